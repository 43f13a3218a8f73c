"""A cluster member's own storage at start, three members on loopback: a damaged replicated log is refused with
the file and the remedy (one line, non-zero exit), and the others go on."""
from pathlib import Path

from cluster_support import get, put, running_cluster, uid
from kvserver import wait_until


def log_segments(member):
    return sorted(Path(member.data_dir, "raft").glob("*/current/log_*"))


def test_a_damaged_log_is_refused_naming_the_file_and_the_remedy_and_the_others_go_on(tmp_path):
    with running_cluster(tmp_path) as cluster:
        p = uid("damaged")
        leader = cluster.leader()
        marker = "corrupt-me-" + p
        for i in range(20):
            assert put(leader, p + str(i), marker if i == 7 else i).status_code == 200
        follower = next(m for m in cluster.members if m is not leader)
        wait_until(lambda: get(follower, p + "19", consistency="local").status_code == 200, timeout=30,
                   msg="the follower applied every write")
        assert follower.stop() == 0

        damaged = None
        for segment in log_segments(follower):
            data = bytearray(segment.read_bytes())
            at = data.find(marker.encode())
            if at >= 0:
                data[at + 3] ^= 0x20
                segment.write_bytes(bytes(data))
                damaged = segment
                break
        assert damaged is not None, "the write is in no log segment of the follower"

        assert follower.run_to_exit() != 0
        err = follower.stderr()
        lines = [line for line in err.splitlines() if line.startswith("kvstore: ")]
        assert len(lines) == 1, err[-3000:]
        assert str(damaged) in lines[0] and "replace this member" in lines[0], lines[0]
        assert "Exception" not in lines[0], lines[0]
        assert not [line for line in err.splitlines() if line.startswith("\tat ")], "no stack trace: " + err[-3000:]

        others = [m for m in cluster.members if m is not follower]
        assert put(others[1], p + "after", 1).status_code == 200
        assert get(others[0], p + "after").json()["value"] == 1
