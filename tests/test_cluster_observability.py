"""What a cluster member tells of its replication, three members on loopback: the followers' lag in /cluster on
the leader, the replication series in /metrics, /stats figures of the replicated log rather than a single
server's write-ahead log, and a log that does not fill with one warning per attempt to reach a stopped member nor
with every Raft setting."""
import re

import pytest
from cluster_support import put, running_cluster, uid
from kvserver import wait_until
from test_metrics import parse, value as sample


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("observe")) as c:
        yield c


def test_the_leader_shows_each_members_match_index_and_lag(cluster):
    leader = cluster.leader()
    p = uid("lag")
    for i in range(5):
        assert put(leader, p + str(i), i).status_code == 200

    def caught_up():
        view = leader.cluster()
        lags = {m["id"]: m.get("lag") for m in view["members"]}
        return view if all(lag == 0 for lag in lags.values()) else None

    view = wait_until(caught_up, timeout=30, msg="every member caught up, as the leader sees it")
    assert all(m["match_index"] >= view["commit_index"] for m in view["members"])
    follower = next(m for m in cluster.members if m is not leader)
    assert all("lag" not in m for m in follower.cluster()["members"]), "only the leader knows the others' progress"


def test_metrics_carry_the_replication_series(cluster):
    leader = cluster.leader()
    assert put(leader, uid("metrics") + "k", 1).status_code == 200
    text = leader.req("GET", "/metrics").text
    samples = parse(text)

    def value(name, **labels):
        return sample(samples, name, **labels)

    assert value("kvstore_raft_role", role="leader") == 1
    assert value("kvstore_raft_role", role="follower") == 0
    assert value("kvstore_raft_term") >= 1
    assert value("kvstore_raft_applied_index") >= 1
    assert value("kvstore_raft_log_size_bytes") > 0
    assert value("kvstore_raft_log_flushes_total") >= 1
    assert value("kvstore_raft_applied_entries_total") >= 1
    for name in ("kvstore_raft_elections_total", "kvstore_raft_snapshots_total",
                 "kvstore_raft_last_snapshot_duration_seconds", "kvstore_raft_follower_lag_entries"):
        assert name in text, name


def test_stats_report_the_replicated_log_not_a_single_servers_fsync_policy(cluster):
    for m in cluster.members:
        s = m.req("GET", "/stats").json()
        assert "fsync" not in s, s
        assert 0 < s["wal_bytes"] < 4 * 1024 * 1024, "the log's segments, not their preallocated size"
        assert s["wal_fsyncs"] > 0


def test_a_members_log_does_not_list_every_raft_setting(cluster):
    # Ratis logs each setting it reads, at a start and again at each election; kvstore derives them from its flags.
    for m in cluster.members:
        settings = [line for line in m.all_stderr().splitlines() if "ConfigKeys - raft." in line]
        assert not settings, (m.node_id, len(settings), settings[:3])
        assert f"cluster member {m.node_id} listening on" in m.all_stderr(), "the member's own start is logged"


def test_a_stopped_follower_is_warned_about_once_per_interval_with_a_count_of_the_repeats(cluster):
    leader = cluster.leader()
    follower = next(m for m in cluster.members if m is not leader)
    seen_before = len(leader.stderr().splitlines())
    about_follower = re.compile(rf"WARN .*->{follower.node_id}-")

    def warnings():
        return [line for line in leader.stderr().splitlines()[seen_before:] if about_follower.search(line)]

    def counted():
        return [line for line in warnings() if "more like this since the last one" in line]

    follower.pause()
    try:
        # The leader's heartbeats to the stopped follower time out again and again; unlimited, each is a line.
        lines = wait_until(counted, timeout=60, interval=0.5, msg="a warning that counts the repeats left out")
    finally:
        follower.resume()
    left_out = int(re.search(r"\((\d+) more like this", lines[0]).group(1))
    assert left_out >= 3, lines
    logged = warnings()
    assert len(logged) <= 4, "\n".join(logged)
