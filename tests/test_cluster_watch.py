"""GET /watch in cluster mode, with real processes: every member streams the same changes in the same order, a
watch opened on a follower starts after every acknowledged write, and a watcher on a follower goes on through a
kill -9 of the leader, seeing every acknowledged write exactly once."""
import random
import socket
import threading

import pytest
import requests

from cluster_support import PACE, batch, put, running_cluster, uid
from conftest import CountingWriters, enc, watch
from kvserver import wait_until

EVENT_WAIT = 30  # seconds: a member may be electing a leader


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("watch-cluster")) as c:
        yield c


def changes(stream, n):
    return [(e["id"], e["event"], e["data"]["key"], e["data"].get("value")) for e in stream.take(n, timeout=EVENT_WAIT)]


def test_every_member_streams_the_same_changes_in_the_same_order(cluster):
    p = uid("same")
    streams = [watch(m, "prefix=" + enc(p)) for m in cluster.members]
    try:
        assert [s.status for s in streams] == [200, 200, 200]
        for i, m in enumerate(cluster.members):
            assert put(m, p + f"k{i}", i).status_code == 200
        assert batch(cluster.members[1], [{"op": "set", "key": p + "b", "value": "b"},
                                          {"op": "delete", "key": p + "k0"}]).status_code == 200
        seen = [changes(s, 5) for s in streams]
    finally:
        for s in streams:
            s.close()
    assert seen[0] == seen[1] == seen[2]
    assert [(c[1], c[2]) for c in seen[0]] == [("put", p + "k0"), ("put", p + "k1"), ("put", p + "k2"),
                                              ("put", p + "b"), ("delete", p + "k0")]
    assert seen[0][3][0] == seen[0][4][0], "the batch is one revision on every member"


def test_a_watch_opened_on_a_follower_starts_after_every_acknowledged_write(cluster):
    leader = cluster.leader()
    followers = [m for m in cluster.members if m is not leader]
    p = uid("barrier")
    for round_ in range(5):  # a follower that skipped the barrier would, now and then, show the first write
        assert put(leader, p + f"first{round_}", 1).status_code == 200
        with watch(followers[round_ % 2], "prefix=" + enc(p)) as stream:
            assert stream.status == 200
            assert put(leader, p + f"second{round_}", 2).status_code == 200
            assert changes(stream, 1)[0][2] == p + f"second{round_}"


def test_consistency_local_opens_without_the_barrier_and_other_values_are_refused(cluster):
    p = uid("local")
    follower = next(m for m in cluster.members if m.node_id != cluster.wait_leader())
    with watch(follower, f"prefix={enc(p)}&consistency=local") as stream:
        assert stream.status == 200
        assert put(cluster.members[0], p + "k", 1).status_code == 200
        assert changes(stream, 1)[0][2] == p + "k"
    with watch(cluster.members[0], "consistency=sometimes") as stream:
        assert stream.status == 400


def writers(cluster, prefix, count):
    """CountingWriters that put to any running member; a write with no answer or a 503 may or may not have
    happened."""
    rnd = random.Random(7)

    def write(n, key, i):
        try:
            return put(rnd.choice(cluster.running()), key, i).status_code == 200
        except requests.RequestException:
            return False

    return CountingWriters(count, prefix, write, keys=2, pace=PACE)


def test_a_watcher_on_a_follower_survives_a_leader_kill_and_sees_every_acknowledged_write_once(cluster):
    c = cluster
    leader = c.leader()
    try:
        follower = next(m for m in c.members if m is not leader)
        p = uid("kill")
        got = []
        done = threading.Event()
        errors = []

        def read():
            try:
                with watch(follower, f"prefix={enc(p)}&from=1", timeout=EVENT_WAIT) as stream:
                    assert stream.status == 200, stream.error_body
                    while not done.is_set():
                        try:
                            e = stream.next(timeout=1)
                        except (socket.timeout, TimeoutError):
                            continue
                        assert e is not None, "the stream ended"
                        if e["event"] == "put":
                            got.append((e["id"], e["data"]["key"], e["data"]["value"]))
            except BaseException as e:
                errors.append(e)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        with writers(c, p, 3) as w:
            wait_until(lambda: w.writes() >= 60, timeout=120, msg="writes before the kill")
            leader.kill()
            before = w.writes()
            wait_until(lambda: w.writes() >= before + 60, timeout=120, msg="writes after the kill")
        acked = {k: list(v) for k, v in w.acked.items()}
        tried = {k: list(v) for k, v in w.tried.items()}

        def missing():
            seen = {(key, value) for _, key, value in got}
            return sorted((k, v) for k, vs in acked.items() for v in vs if (k, v) not in seen)

        wait_until(lambda: not missing() or errors, timeout=EVENT_WAIT, msg="the watcher sees every acknowledged write")
        assert not errors, errors
        assert not missing(), (missing()[:10], len(got), got[-5:])
        done.set()
        reader.join(EVENT_WAIT)
        assert not errors, errors
        ids = [g[0] for g in got]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), "revision order, each revision once"
        per_key = {}
        for _, key, value in got:
            per_key.setdefault(key, []).append(value)
        for key, values in per_key.items():
            assert values == sorted(set(values)), f"{key}: a write seen twice or out of order: {values}"
            assert set(values) <= set(tried[key]), f"{key}: a value nobody wrote"
            assert set(acked.get(key, [])) <= set(values), f"{key}: an acknowledged write is missing"
    finally:
        if not leader.running():
            leader.start()  # the module's cluster whole again, for any test that runs after this one
            c.wait_leader()
