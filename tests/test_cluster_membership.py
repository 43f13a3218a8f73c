"""Membership changes online, on three real members on loopback: a member added under load catches up and then
votes, members removed under load (a follower, then the leader, which hands over first; a removed id is refused back
at another address), leadership moved, a dead member whose data is gone replaced, every member restarted with a
stale --peers, and every member restarted in turn under load (a rolling restart).  Throughout, every acknowledged
write is on every member at the end and no write is refused for lack of quorum while a majority is up.  A member
that dies while it catches up has its addition called off, so the next change is not refused as under way."""
import shutil
import subprocess
import threading

from cluster_support import ELECTION, batch, put, running_cluster, uid
from kvserver import base_env, java_cmd, wait_until
from membership_support import Writes, assert_all_present, change, ids, member_doc, start_joiner


def test_a_member_added_under_load_catches_up_then_votes_and_the_last_one_cannot_go(tmp_path):
    with running_cluster(tmp_path) as c:
        with Writes(c.running, uid("add")) as writes:
            writes.wait_for(20)
            n4 = start_joiner(c, tmp_path, "n4")
            assert n4.req("GET", "/ready", timeout=3).status_code == 503, "a member not yet added is not ready"
            r = change(c.member("n2"), "POST", "/cluster/members", json=member_doc(n4))
            assert r.status_code == 200, r.text
            assert ids(r.json()) == ["n1", "n2", "n3", "n4"]
            # The leader's answer also carries each member's progress (match_index, lag): compare the addresses.
            added = next(m for m in r.json()["members"] if m["id"] == "n4")
            assert (added["http"], added["raft"]) == (f"127.0.0.1:{n4.port}", f"127.0.0.1:{n4.raft_port}"), added
            writes.wait_for(20)
            again = change(c.member("n1"), "POST", "/cluster/members", json=member_doc(n4))
            assert again.status_code == 200 and ids(again.json()) == ids(r.json()), "adding it again changes nothing"
        assert not writes.no_quorum, writes.no_quorum
        assert_all_present(c, writes)
        assert all(ids(m.cluster()) == ["n1", "n2", "n3", "n4"] for m in c.running())

        # Four members need three for a majority: with one original down, the writes commit only if n4 votes.
        leader = c.leader()
        down = next(m for m in c.members if m is not leader and m.node_id != "n4")
        down.kill()
        r = put(leader, uid("votes") + "k", 1)
        assert r.status_code == 200, r.text

        conflict = change(leader, "POST", "/cluster/members",
                          json={"id": "n4", "http": "127.0.0.1:1", "raft": "127.0.0.1:2"})
        assert conflict.status_code == 409 and "n4" in conflict.json()["error"], conflict.text
        bad = change(leader, "POST", "/cluster/members", json={"id": "n5", "http": "nohost", "raft": "127.0.0.1:2"})
        assert bad.status_code == 400 and "host:port" in bad.json()["error"], bad.text


def test_a_member_that_dies_while_it_catches_up_is_called_off_and_the_next_change_goes_through(tmp_path):
    # Enough data behind a purged log that the new member must receive a snapshot of two chunks (4 MiB each at
    # most): it is killed as the first one arrives, long before it could have caught up. One snapshot is taken after
    # the bulk writes. A short write timeout shortens the change's bound (three of them), which the failed addition
    # waits out.
    with running_cluster(tmp_path, args=["--snapshot-entries", "90"], write_timeout=3) as c:
        bulk, value = uid("bulk"), "v" * 2000
        for b in range(100):
            r = batch(c.leader(), [{"op": "set", "key": f"{bulk}{b:03d}-{i:03d}", "value": value} for i in range(30)])
            assert r.status_code == 200, r.text
        with Writes(c.running, uid("stuck")) as writes:
            writes.wait_for(10)
            n4 = start_joiner(c, tmp_path, "n4")
            asked = c.member("n1")
            answers = []
            adding = threading.Thread(target=lambda: answers.append(
                change(asked, "POST", "/cluster/members", json=member_doc(n4))))
            adding.start()
            wait_until(lambda: list((n4.data_dir / "raft").glob("*/tmp/snapshot-*")), timeout=60, interval=0.01,
                       msg="the leader sending n4 its snapshot")
            n4.kill()
            adding.join(timeout=90)
            assert answers, "the addition was not answered within its bound"
            r = answers[0]
            assert r.status_code == 503 and "called off" in r.json()["error"], r.text

            follower = next(m for m in c.running() if m is not c.leader())
            r = change(asked, "DELETE", f"/cluster/members/{follower.node_id}")
            assert r.status_code == 200, r.text
            assert ids(r.json()) == sorted(m.node_id for m in c.running() if m is not follower)
            follower.stop()
            writes.wait_for(10)
        # Calling the addition off costs an election, which a write may not outlast under the tests' short write
        # timeout (a 503 that says it was never applied); nothing acknowledged may be lost.
        assert_all_present(c, writes)


def test_a_follower_then_the_leader_removed_under_load_and_never_the_last(tmp_path):
    with running_cluster(tmp_path) as c:
        with Writes(c.running, uid("rm")) as writes:
            writes.wait_for(20)
            leader = c.leader()
            follower = next(m for m in c.members if m is not leader)
            r = change(leader, "DELETE", f"/cluster/members/{follower.node_id}")
            assert r.status_code == 200, r.text
            assert follower.node_id not in ids(r.json()) and len(r.json()["members"]) == 2
            follower.stop()
            # The members that knew it keep reaching its id at its old address: back elsewhere, it needs a new id.
            moved = change(leader, "POST", "/cluster/members",
                           json={"id": follower.node_id, "http": "127.0.0.1:1", "raft": "127.0.0.1:2"})
            assert moved.status_code == 409 and "new id" in moved.json()["error"], moved.text
            writes.wait_for(20)

            r = change(follower if follower.running() else leader, "DELETE", f"/cluster/members/{leader.node_id}")
            assert r.status_code == 200, r.text
            last = next(m for m in c.running() if m is not leader)
            assert ids(r.json()) == [last.node_id]
            wait_until(lambda: last.cluster()["leader"] == last.node_id, timeout=ELECTION, msg="the last member leads")
            leader.stop()
            writes.wait_for(20)
        assert not writes.no_quorum, writes.no_quorum
        assert_all_present(c, writes)

        refused = change(last, "DELETE", f"/cluster/members/{last.node_id}")
        assert refused.status_code == 409 and "last member" in refused.json()["error"], refused.text
        unknown = change(last, "DELETE", "/cluster/members/nobody")
        assert unknown.status_code == 404, unknown.text


def test_leadership_moves_to_the_member_named(tmp_path):
    with running_cluster(tmp_path) as c:
        with Writes(c.running, uid("lead")) as writes:
            writes.wait_for(10)
            leader = c.leader()
            target = next(m for m in c.members if m is not leader)
            r = change(leader, "POST", "/cluster/leader", json={"id": target.node_id})
            assert r.status_code == 200, r.text
            assert r.json()["leader"] == target.node_id
            assert c.wait_leader() == target.node_id
            writes.wait_for(10)
            assert change(target, "POST", "/cluster/leader", json={"id": "nobody"}).status_code == 404
        assert not writes.no_quorum, writes.no_quorum
        assert_all_present(c, writes)


def test_a_dead_member_whose_data_is_gone_is_replaced_and_catches_up(tmp_path):
    with running_cluster(tmp_path) as c:
        with Writes(c.running, uid("replace")) as writes:
            writes.wait_for(20)
            leader = c.leader()
            dead = next(m for m in c.members if m is not leader)
            dead.kill()
            shutil.rmtree(dead.data_dir)
            writes.wait_for(10)
            r = change(leader, "DELETE", f"/cluster/members/{dead.node_id}")
            assert r.status_code == 200, r.text
            c.members.remove(dead)
            # The same id comes back at the same addresses (Ratis keys its connections by id, so an id that comes
            # back elsewhere is not reached by a member that knew it before: a replacement elsewhere takes a new id).
            fresh = start_joiner(c, tmp_path / "again", dead.node_id, ports=(dead.port, dead.raft_port))
            r = change(leader, "POST", "/cluster/members", json=member_doc(fresh))
            assert r.status_code == 200, r.text
            assert ids(r.json()) == sorted(m.node_id for m in c.members)
            writes.wait_for(20)
        assert not writes.no_quorum, writes.no_quorum
        items = assert_all_present(c, writes)
        assert fresh.local_items(writes.prefix) == items


def test_every_member_restarted_with_a_stale_peers_list_keeps_the_membership_of_its_log(tmp_path):
    with running_cluster(tmp_path) as c:
        founding = c.peers
        with Writes(c.running, uid("stale")) as writes:
            writes.wait_for(20)
            leader = c.leader()
            n4 = start_joiner(c, tmp_path, "n4")
            assert change(leader, "POST", "/cluster/members", json=member_doc(n4)).status_code == 200
            n1 = c.member("n1")
            assert change(leader, "DELETE", "/cluster/members/n1").status_code == 200
            n1.stop()
            c.members.remove(n1)
            writes.wait_for(20)
        assert not writes.no_quorum, writes.no_quorum
        for m in c.members:
            m.stop()
        for m in c.members:
            if m.node_id != "n4":
                assert founding in m.args  # restarted with the founding list, which still names n1 and not n4
            m.spawn()
        for m in c.members:
            m.wait_ready()
        c.wait_leader()
        assert all(ids(m.cluster()) == ["n2", "n3", "n4"] for m in c.members)
        assert_all_present(c, writes)
        warned = [line for line in c.member("n2").stderr().splitlines() if "the membership in the replicated log" in line]
        assert len(warned) == 1, warned
        r = put(c.leader(), uid("after") + "k", 1)
        assert r.status_code == 200, r.text


def kvstore(member, *args):
    """The jar's command-line client against `member`: (exit status, stdout, stderr)."""
    done = subprocess.run(java_cmd([*args, "--url", member.url]), capture_output=True, timeout=120, env=base_env())
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_the_command_line_adds_removes_and_moves_the_leadership(tmp_path):
    with running_cluster(tmp_path) as c:
        leader = c.leader()
        follower = next(m for m in c.members if m is not leader)
        code, out, err = kvstore(follower, "cluster", "leader", follower.node_id)
        assert code == 0, err
        assert c.wait_leader() == follower.node_id
        code, out, err = kvstore(leader, "cluster", "leader")
        assert (code, out.strip()) == (0, follower.node_id), err

        n4 = start_joiner(c, tmp_path, "n4")
        code, out, err = kvstore(leader, "cluster", "add", "n4", "--http", f"127.0.0.1:{n4.port}",
                                 "--raft", f"127.0.0.1:{n4.raft_port}")
        assert code == 0 and '"n4"' in out, err
        code, out, err = kvstore(n4, "cluster", "remove", leader.node_id)
        assert code == 0, err
        leader.stop()
        c.members.remove(leader)
        c.wait_leader()
        assert all(ids(m.cluster()) == sorted(x.node_id for x in c.members) for m in c.members)
        code, out, err = kvstore(n4, "cluster", "remove", "nobody")
        assert code == 1 and len(err.strip().splitlines()) == 1, (code, err)


def test_a_rolling_restart_of_every_member_under_load_loses_nothing(tmp_path):
    with running_cluster(tmp_path) as c:
        with Writes(c.running, uid("roll")) as writes:
            writes.wait_for(20)
            for m in list(c.members):  # the leader among them: its restart costs an election the writes wait out
                m.stop()
                writes.wait_for(10)
                m.spawn()
                m.wait_ready()
                writes.wait_for(10)
        assert not writes.no_quorum, writes.no_quorum
        assert_all_present(c, writes)
