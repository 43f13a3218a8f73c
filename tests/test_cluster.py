"""Cluster mode with real processes: three members on loopback, writes to any member, linearizable reads
from every member, kill -9 of leaders and followers under concurrent writers, and a linearizability check
of concurrent histories through a kill and a pause."""
import json
import random
import re
import threading

import pytest
import requests

from cluster_support import PACE, Cluster, batch, delete, get, now, put, running_cluster, uid
from conftest import Workers
from kvserver import wait_until
from linearizability import ABSENT, History, check


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("cluster")) as c:
        yield c


def test_a_write_to_any_member_is_read_at_once_from_every_member(cluster):
    p = uid("any")
    for i, writer in enumerate(cluster.members):
        r = put(writer, p + str(i), {"from": writer.node_id})
        assert r.status_code == 200, r.text
        assert r.json()["created"] is True
        for reader in cluster.members:  # linearizable: visible everywhere as soon as acknowledged
            g = get(reader, p + str(i))
            assert g.status_code == 200, (reader.node_id, g.text)
            assert g.json()["value"] == {"from": writer.node_id}
    follower = next(m for m in cluster.members if m.node_id != cluster.wait_leader())
    r = batch(follower, [{"op": "set", "key": p + "b1", "value": 1}, {"op": "get", "key": p + "0"},
                         {"op": "delete", "key": p + "1"}, {"op": "get", "key": p + "1"}])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[1]["value"] == {"from": "n1"}
    assert results[2]["deleted"] is True
    assert results[3]["error"] == "key not found"
    d = delete(follower, p + "2")
    assert d.status_code == 200 and d.json()["deleted"] is True
    for m in cluster.members:
        assert get(m, p + "1").status_code == 404
        assert m.req("GET", "/kv", params={"prefix": p}).json()["keys"] == [p + "0", p + "b1"]
    assert cluster.wait_converged(p) == {p + "0": {"from": "n1"}, p + "b1": 1}


def test_cluster_and_ready_describe_the_member_and_its_leader(cluster):
    leader = cluster.wait_leader()
    views = [m.cluster() for m in cluster.members]
    assert [v["node_id"] for v in views] == ["n1", "n2", "n3"]
    assert {v["leader"] for v in views} == {leader}
    assert [v["role"] for v in views].count("leader") == 1
    assert next(v for v in views if v["node_id"] == leader)["role"] == "leader"
    for v in views:
        assert v["term"] >= 1 and v["applied_index"] <= v["commit_index"]
        assert [m["id"] for m in v["members"]] == ["n1", "n2", "n3"]
        assert v["members"][0]["http"] == f"127.0.0.1:{cluster.members[0].port}"
        assert v["members"][0]["raft"] == f"127.0.0.1:{cluster.members[0].raft_port}"
    for m in cluster.members:
        r = m.req("GET", "/ready")
        assert r.status_code == 200 and r.json() == {"status": "ready"}
    r = cluster.members[0].req("POST", "/cluster")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_consistency_local_reads_the_members_own_state_and_other_values_are_refused(cluster):
    p = uid("local")
    assert put(cluster.members[0], p + "k", 1).status_code == 200
    for m in cluster.members:
        wait_until(lambda: get(m, p + "k", consistency="local").status_code == 200, msg="applied locally")
        stats = m.req("GET", "/stats", params={"consistency": "local"})
        assert stats.status_code == 200 and stats.json()["wal_bytes"] > 0  # the Raft log's segments
    r = get(cluster.members[1], p + "k", consistency="eventual")
    assert r.status_code == 400 and "consistency" in r.json()["error"]


class Writers(Workers):
    """Concurrent writers on unique keys: single PUTs, PUT-then-DELETE pairs and three-key batches.
    Each acknowledged write is recorded; a write without an answer may or may not have happened."""

    def __init__(self, cluster, prefix, threads=3):
        super().__init__(threads, pace=PACE)
        self.cluster = cluster
        self.prefix = prefix
        self.lock = threading.Lock()
        self.present = {}  # key -> value acknowledged as set
        self.deleted = set()  # keys whose delete was acknowledged
        self.batches = []  # (keys, acknowledged) of every batch sent
        self.acks = []  # (sent, acknowledged) monotonic times of every acknowledged write
        self.failures = 0  # requests refused or unanswered at the TCP level (a member down)

    def ack(self, sent):
        with self.lock:
            self.acks.append((sent, now()))

    def run(self, n):
        i = 0
        while self.going():
            i += 1
            members = self.cluster.running()
            if not members:
                continue
            m = members[i % len(members)]
            key = f"{self.prefix}{n}-{i}"
            kind = i % 3
            sent = now()
            try:
                if kind == 0:
                    if put(m, key, i).status_code == 200:
                        with self.lock:
                            self.present[key] = i
                        self.ack(sent)
                elif kind == 1:
                    # The key's final state depends on the delete's outcome: only an acknowledged delete is checked.
                    if put(m, key, i).status_code == 200:
                        self.ack(sent)
                        sent = now()
                        if delete(m, key).status_code == 200:
                            with self.lock:
                                self.deleted.add(key)
                            self.ack(sent)
                else:
                    keys = [key + "-a", key + "-b", key + "-c"]
                    r = batch(m, [{"op": "set", "key": k, "value": i} for k in keys])
                    with self.lock:
                        self.batches.append((keys, r.status_code == 200))
                    if r.status_code == 200:
                        self.ack(sent)
            except requests.RequestException:
                with self.lock:
                    self.failures += 1

    def last_ack_before(self, t):
        with self.lock:
            return max((acked for _, acked in self.acks if acked <= t), default=None)

    def first_ack_sent_after(self, t):
        """The first acknowledgement of a write sent after t (not of one already in flight)."""
        with self.lock:
            return min((acked for sent, acked in self.acks if sent > t), default=None)


def test_a_backup_from_any_member_holds_every_acknowledged_write_and_restores_on_one_server(
        cluster, server_factory, tmp_path):
    p = uid("backup")
    for i in range(30):
        r = put(cluster.members[i % 3], p + str(i), {"n": i})
        assert r.status_code == 200, r.text
    assert delete(cluster.members[1], p + "0").status_code == 200
    expected = {p + str(i): {"n": i} for i in range(1, 30)}
    leader = cluster.leader()
    follower = next(m for m in cluster.running() if m is not leader)
    compact = follower.req("POST", "/admin/compact")
    assert compact.status_code == 202, compact.text

    r = follower.req("GET", "/backup")
    assert r.status_code == 200, r.text
    lines = [json.loads(line) for line in r.content.splitlines()]
    assert lines[0]["op"] == "format" and lines[0]["version"] == 2, lines[0]
    assert all(line["op"] == "set" for line in lines[1:])
    assert {line["key"]: line["value"] for line in lines[1:] if line["key"].startswith(p)} == expected

    data = tmp_path / "restored"
    data.mkdir()
    (data / "wal.log").write_bytes(r.content)
    single = server_factory(name="single", data_dir=data)
    assert {k: single.value_of(k) for k in single.list_keys() if k.startswith(p)} == expected


def test_every_acknowledged_write_survives_kill_9_of_leaders_and_followers(cluster):
    p = uid("failover")
    rounds = ["leader", "follower", "leader", "follower", "leader"]
    windows = []
    with Writers(cluster, p) as writers:
        wait_until(lambda: len(writers.acks) >= 20, timeout=30, msg="writes before the first kill")
        for role in rounds:
            leader_id = cluster.wait_leader()
            victim = cluster.member(leader_id) if role == "leader" else \
                next(m for m in cluster.members if m.node_id != leader_id)
            killed_at = now()
            victim.kill()
            if role == "leader":
                new_leader = cluster.wait_leader()
                assert new_leader != victim.node_id
            acked = len(writers.acks)
            wait_until(lambda: len(writers.acks) >= acked + 10, timeout=30, msg="writes after the kill")
            before, after = writers.last_ack_before(killed_at), writers.first_ack_sent_after(killed_at)
            windows.append((role, round(after - before, 2)))
            victim.start()
            cluster.wait_leader()
    print(f"\nunavailability windows (last ack before each kill to the first ack of a write sent after it, s): "
          f"{windows}; "
          f"acknowledged {len(writers.acks)}, refused or unanswered {writers.failures}")

    items = cluster.wait_converged(p, timeout=60)
    lost = {k: v for k, v in writers.present.items() if items.get(k) != v}
    assert not lost, f"{len(lost)} acknowledged writes missing, e.g. {list(lost.items())[:5]}"
    resurrected = writers.deleted & items.keys()
    assert not resurrected, f"acknowledged deletes undone: {sorted(resurrected)[:5]}"
    for keys, acknowledged in writers.batches:
        applied = [k in items for k in keys]
        assert all(applied) or not any(applied), f"batch split: {keys} -> {applied}"
        assert all(applied) or not acknowledged, f"acknowledged batch missing: {keys}"
    assert len(writers.acks) > 50


def test_concurrent_reads_writes_deletes_and_conditional_writes_stay_linearizable_through_a_kill_and_a_pause(
        cluster):
    p = uid("lin")
    keys = [p + "x", p + "y", p + "z"]
    history = History()
    stop = threading.Event()
    unexpected = []

    def client(n):
        rnd = random.Random(n)
        s = requests.Session()
        last_read = {}  # key -> the value this client last read (a compare-and-set expects it)
        i = 0
        while not stop.wait(PACE / 2):
            i += 1
            # Client 0 also tries a paused member (whose answers, if any, must be linearizable too); the
            # others keep to live ones, so the history is not mostly operations of unknown outcome.
            m = rnd.choice(cluster.running(include_paused=n == 0))
            key = rnd.choice(keys)
            kind = rnd.choice(["read", "read", "write", "delete", "cas", "cas"])
            value = n * 1_000_000 + i
            if kind == "cas" and last_read.get(key, ABSENT) is ABSENT:
                kind = "create"  # If-None-Match: *
            url = f"{m.url}/kv/{key}"
            op = history.invoke(key, kind, (last_read[key], value) if kind == "cas" else value)
            try:
                if kind == "read":
                    resp = s.get(url, timeout=8)
                elif kind == "write":
                    resp = s.put(url, data=json.dumps({"value": value}), timeout=8)
                elif kind == "create":
                    resp = s.put(url, data=json.dumps({"value": value}), headers={"If-None-Match": "*"}, timeout=8)
                elif kind == "cas":
                    resp = s.post(f"{m.url}/kv/batch", timeout=8, data=json.dumps({"operations": [
                        {"op": "check", "key": key, "value": last_read[key]},
                        {"op": "set", "key": key, "value": value}]}))
                else:
                    resp = s.delete(url, timeout=8)
            except requests.RequestException:
                if kind != "read":
                    history.unknown(op)  # it may have reached the leader before the member went away
                continue
            body = resp.json()
            if resp.status_code == 503 and kind != "read" and body["error"].startswith("outcome unknown"):
                history.unknown(op)
            elif resp.status_code == 503:
                assert body["error"] == "no quorum", body  # certainly not applied: left out
            elif kind == "read" and resp.status_code in (200, 404):
                history.complete(op, body["value"] if resp.status_code == 200 else ABSENT)
                last_read[key] = body["value"] if resp.status_code == 200 else ABSENT
            elif kind in ("create", "cas") and resp.status_code in (200, 412):
                history.complete(op, resp.status_code == 200)
            elif kind == "write" and resp.status_code == 200:
                history.complete(op, body["created"])
            elif kind == "delete" and resp.status_code in (200, 404):
                history.complete(op, resp.status_code == 200)
            else:
                unexpected.append((kind, resp.status_code, resp.text))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(history.ops) >= 30, timeout=30, msg="a history before the faults")
        victim = cluster.leader()
        victim.kill()
        cluster.wait_leader()
        victim.start()
        paused = cluster.leader()
        paused.pause()
        try:
            others = [m for m in cluster.members if m is not paused]
            assert cluster.wait_leader(among=others) != paused.node_id
            done = len(history.ops)
            wait_until(lambda: len(history.ops) >= done + 20, timeout=30, msg="progress without the paused leader")
        finally:
            paused.resume()
        cluster.wait_leader()
        done = len(history.ops)
        wait_until(lambda: len(history.ops) >= done + 20, timeout=30, msg="progress after the resume")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not unexpected, unexpected[:5]
    ok, bad_key = check(history.ops)
    assert ok, f"history of {bad_key} is not linearizable: " + repr(
        sorted((o.call, o.ret, o.kind, o.value, o.result) for o in history.ops if o.key == bad_key))
    completed = [o for o in history.ops if o.ret != float("inf")]
    print(f"\nlinearizability: {len(history.ops)} operations ({len(completed)} completed) on {len(keys)} keys")


def test_a_member_that_missed_more_than_the_log_keeps_catches_up_by_snapshot(tmp_path):
    c = Cluster(tmp_path, args=["--snapshot-entries", "40"])
    try:
        c.start()
        p = uid("catchup")
        leader = c.leader()
        lagging = next(m for m in c.members if m is not leader)
        lagging.kill()
        for i in range(150):
            assert put(leader, f"{p}{i:03d}", i).status_code == 200
        assert delete(leader, f"{p}000").status_code == 200
        snapshots = list((leader.data_dir / "raft").glob("*/sm/snapshot.*_*"))
        assert snapshots, "the leader took no snapshot"
        # Each snapshot is logged once, not again for every write applied while the next one is written.
        logged = re.findall(r"Took a snapshot at index (\d+)", leader.stderr())
        assert logged and len(logged) == len(set(logged)), logged
        first_segments = list((leader.data_dir / "raft").glob("*/current/log_0-*"))
        assert not first_segments, f"the log was not purged behind the snapshot: {first_segments}"
        lagging.start()
        items = c.wait_converged(p, timeout=60)
        assert items == {f"{p}{i:03d}": i for i in range(1, 150)}
        installed = list((lagging.data_dir / "raft").glob("*/sm/snapshot.*_*.md5"))
        assert installed, "the lagging member did not receive a snapshot"
        assert get(lagging, f"{p}149").json()["value"] == 149
    finally:
        c.close()


def test_without_a_majority_nothing_is_acknowledged_and_the_answer_says_why(tmp_path):
    c = Cluster(tmp_path)
    alone = c.members[0]
    try:
        alone.start()  # the other two members never start: no leader can be elected
        r = alone.req("GET", "/ready")
        assert r.status_code == 503 and r.json() == {"status": "no leader"}
        started = now()
        r = put(alone, "k", 1)
        assert r.status_code == 503 and r.json() == {"error": "no quorum"}, r.text
        assert now() - started < 15
        r = get(alone, "k")
        assert r.status_code == 503 and r.json() == {"error": "no quorum"}, r.text
        assert get(alone, "k", consistency="local").status_code == 404
        assert alone.cluster()["leader"] is None
    finally:
        c.close()


def test_a_write_past_the_memory_ceiling_is_refused_on_every_member_and_deletes_go_on(tmp_path):
    c = Cluster(tmp_path, args=["--max-memory", "16KiB"])
    try:
        c.start()
        leader = c.leader()
        follower = next(m for m in c.members if m is not leader)
        value = "v" * 1000
        written = []
        for i in range(40):
            r = put(c.members[i % 3], f"m{i}", value)
            if r.status_code == 507:
                assert r.json() == {"error": "memory limit reached"}
                break
            assert r.status_code == 200, r.text
            written.append(f"m{i}")
        else:
            raise AssertionError("40 KB of values went under a 16 KiB ceiling")
        assert get(leader, f"m{len(written)}").status_code == 404  # the refused write left nothing
        r = put(follower, "another", value)
        assert r.status_code == 507 and r.json() == {"error": "memory limit reached"}, r.text
        assert delete(follower, written[0]).status_code == 200  # a delete frees memory, so it goes on
        stats = follower.req("GET", "/stats").json()
        assert stats["max_memory_bytes"] == 16 * 1024 and stats["memory_bytes"] <= 16 * 1024, stats
    finally:
        c.close()
