"""Revisions (third release): the store's revision and each key's create_revision, mod_revision and version in
bodies and headers; listings that carry their revision, with values at one revision; expiry as a logged change;
revisions that survive restarts, kill -9, compaction, --repair, backup and restore, and logs without them."""
import json
import threading
import time

from conftest import MISSING, Workers, enc, jloads, uid, wait_until
from durability_support import wal_line

REVISION = "x-kvstore-revision"


def revision_of(resp):
    assert REVISION in resp.headers, (resp.status_code, dict(resp.headers))
    return int(resp.headers[REVISION])


def figures(srv, key):
    r = srv.get_key(key)
    assert r.status_code == 200, r.text
    body = jloads(r.content)
    return body["create_revision"], body["mod_revision"], body["version"]


def log_records(srv):
    return [json.loads(line) for line in srv.wal.read_bytes().splitlines() if line.strip()]


def test_each_change_is_one_revision_and_reads_and_refusals_none(server):
    r = server.get_key("a")
    assert r.status_code == 404 and revision_of(r) == 0, "a new store is at revision 0"

    r = server.put_key("a", 1)
    assert r.json()["revision"] == 1 and revision_of(r) == 1, r.text
    assert figures(server, "a") == (1, 1, 1)
    assert server.put_key("a", 2).json()["revision"] == 2
    assert figures(server, "a") == (1, 2, 2)
    r = server.batch([{"op": "set", "key": "b", "value": 1}, {"op": "set", "key": "c", "value": 1},
                      {"op": "delete", "key": "a"}, {"op": "get", "key": "b"}])
    body = r.json()
    assert body["revision"] == 3 and revision_of(r) == 3, "one revision for the whole batch"
    assert body["results"][3] == {"key": "b", "value": 1, "create_revision": 3, "mod_revision": 3, "version": 1}
    assert figures(server, "c") == (3, 3, 1)

    # Nothing of these changes anything: the revision stays.
    r = server.del_key("a")
    assert r.status_code == 404 and revision_of(r) == 3, "a delete of a missing key is no change"
    assert server.batch([{"op": "get", "key": "b"}, {"op": "delete", "key": "nope"}]).json()["revision"] == 3
    assert server.put_key("b", "x", raw='{"nope": 1}').status_code == 400
    assert server.put("/kv/b", data='{"value": 2}', headers={"If-Match": '"1"'}).status_code == 412
    assert revision_of(server.get("/kv")) == 3

    r = server.del_key("b")
    assert r.json()["revision"] == 4, r.text
    assert server.put_key("b", "again").json()["revision"] == 5
    assert figures(server, "b") == (5, 5, 1), "created again since it last did not exist"


def test_get_tags_the_key_with_its_mod_revision_and_shows_the_ttl_left(shared_server):
    k = uid("tag")
    shared_server.put_key(k, {"n": 1})
    mod = shared_server.put_key(k, {"n": 2}, ttl=100).json()["revision"]
    r = shared_server.get_key(k)
    body = r.json()
    assert r.headers["etag"] == f'"{mod}"', r.headers
    assert revision_of(r) >= mod
    assert body["mod_revision"] == mod and body["version"] == 2
    assert 90 < body["ttl"] <= 100, body
    assert "ttl" not in shared_server.get_key(shared_server.put_key(k + "p", 1).json()["key"]).json()


def test_listings_carry_the_revision_they_reflect_and_values_page_by_page(server):
    p = "cfg/"
    for i in range(5):
        server.put_key(p + str(i), {"i": i}, ttl=3600 if i == 2 else ...)
    server.put_key("other", 1)
    server.del_key(p + "4")

    r = server.get("/kv?prefix=" + enc(p))
    assert r.json() == {"keys": [p + "0", p + "1", p + "2", p + "3"], "revision": 7}
    assert revision_of(r) == 7
    r = server.get("/kv?prefix=" + enc(p) + "&limit=2&values=true")
    page = r.json()
    assert page["revision"] == 7 and revision_of(r) == 7 and page["next"] == p + "1", page
    assert page["items"] == [
        {"key": p + "0", "value": {"i": 0}, "create_revision": 1, "mod_revision": 1, "version": 1},
        {"key": p + "1", "value": {"i": 1}, "create_revision": 2, "mod_revision": 2, "version": 1}]
    rest = server.get("/kv?prefix=" + enc(p) + "&values=true&limit=10&after=" + enc(page["next"])).json()
    assert [i["key"] for i in rest["items"]] == [p + "2", p + "3"] and "next" not in rest
    assert 3590 < rest["items"][0]["ttl"] <= 3600 and "ttl" not in rest["items"][1]
    assert server.get("/kv?values=yes").status_code == 400


def test_a_listing_with_values_is_the_state_at_exactly_its_revision_while_writes_go_on(server):
    """Single writes alternate: a takes i, then b takes i.  At revision r (counted from the start), a is
    ceil(r/2) and b floor(r/2): any mix of two moments would break it."""

    class Alternating(Workers):
        def run(self, n):
            i = 0
            while not self.stop.is_set():
                i += 1
                assert server.put_key("pair/a", i).status_code == 200
                assert server.put_key("pair/b", i).status_code == 200

    seen = 0
    with Alternating(1):
        deadline = time.monotonic() + 10
        while seen < 200 and time.monotonic() < deadline:
            body = server.get("/kv?prefix=pair/&values=true").json()
            values = {item["key"]: item["value"] for item in body["items"]}
            r = body["revision"]
            assert values.get("pair/a", 0) == (r + 1) // 2 and values.get("pair/b", 0) == r // 2, body
            seen += 1
    assert seen >= 20, "too few listings to say anything"


def test_revisions_and_figures_survive_sigterm_kill_compaction_and_a_restored_backup(kv_procs, tmp_path):
    srv = kv_procs("keep")
    srv.start()
    for i in range(200):
        srv.put_key("k%d" % (i % 20), i)
    for i in range(0, 20, 3):
        srv.del_key("k%d" % i)
    srv.batch([{"op": "set", "key": "b1", "value": 1}, {"op": "set", "key": "b2", "value": 2}])

    def state():
        keys = srv.list_keys()
        return revision_of(srv.get("/kv")), {k: figures(srv, k) for k in keys}

    before = state()
    assert before[0] == 200 + 7 + 1
    srv.restart()
    assert state() == before, "SIGTERM and restart"
    srv.kill()
    srv.start()
    assert state() == before, "kill -9 and restart"

    compactions = srv.stats()["compactions"]
    assert srv.post("/admin/compact").status_code == 202
    wait_until(lambda: srv.stats()["compactions"] > compactions, timeout=20, msg="the compaction")
    first = json.loads(srv.wal.read_bytes().split(b"\n", 1)[0])
    assert first["op"] == "format" and first["revision"] == before[0], first
    assert state() == before
    srv.restart()
    assert state() == before, "the compacted log keeps every figure, and the revision of the deletes"
    assert srv.put_key("after", 1).json()["revision"] == before[0] + 1

    raw = srv.get("/backup").content
    mark = json.loads(raw.split(b"\n", 1)[0])
    assert mark == {"op": "format", "version": 2, "revision": before[0] + 1, "crc": mark["crc"]}
    data = tmp_path / "restored"
    data.mkdir()
    (data / "wal.log").write_bytes(raw)
    restored = kv_procs("restored", data_dir=data)
    restored.start()
    assert restored.put_key("next", 1).json()["revision"] == before[0] + 2, "a backup carries its revision"


def test_repair_goes_on_past_every_revision_it_cut(kv_procs):
    srv = kv_procs("repair")
    srv.start()
    for i in range(10):
        srv.put_key("k%d" % i, i)
    assert srv.stop() == 0
    lines = srv.wal.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b'"k2"', b'"kX"')  # revision 3's line, its checksum now wrong
    srv.wal.write_bytes(b"\n".join(lines))

    srv.start(extra_args=["--repair"])
    assert srv.value_of("k1") == 1 and srv.value_of("k2") is MISSING
    r = srv.put_key("new", 1)
    assert r.json()["revision"] > 10, f"a revision given before the repair is given again: {r.text}"
    srv.restart()
    assert revision_of(srv.get("/kv")) == r.json()["revision"]


def test_an_expiry_is_a_logged_change_within_a_second_of_the_deadline_while_nothing_else_is_written(server):
    r = server.put_key("t", 1, ttl=0.5)
    written = r.json()["revision"]
    wait_until(lambda: revision_of(server.get("/kv")) == written + 1, timeout=10, msg="the expiry's revision")
    assert server.get_key("t").status_code == 404
    records = log_records(server)
    put = next(x for x in records if x.get("key") == "t" and x["op"] == "set")
    expire = next(x for x in records if x.get("key") == "t" and x["op"] == "expire")
    assert expire["revision"] == written + 1
    late = expire["timestamp"] - (put["timestamp"] + put["ttl"])
    assert 0 <= late < 1, f"expired {late:.3f} s after its deadline (by the server's own timestamps)"


def test_a_write_that_meets_a_key_past_its_deadline_creates_it_after_its_expiry(server):
    server.put_key("other", 1)
    old = server.put_key("k", "old", ttl=0).json()["revision"]  # due at once
    r = server.put_key("k", "new")
    assert r.json()["created"] is True
    assert r.json()["revision"] == old + 2, "the expiry of the old value took the revision before the write"
    assert figures(server, "k") == (old + 2, old + 2, 1)
    ops = [(x["op"], x["revision"]) for x in log_records(server) if x.get("key") == "k"]
    assert ops == [("set", old), ("expire", old + 1), ("set", old + 2)], ops


def test_a_log_written_without_revisions_replays_with_revisions_counted_in_log_order(kv_procs):
    now = time.time()
    records = [
        {"op": "set", "key": "a", "value": 1, "timestamp": now - 10},
        {"op": "delete", "key": "missing", "timestamp": now - 9},
        {"op": "begin", "count": 2, "timestamp": now - 8},
        {"op": "set", "key": "a", "value": 2, "timestamp": now - 8},
        {"op": "set", "key": "b", "value": 1, "timestamp": now - 8},
        {"op": "commit", "count": 2, "timestamp": now - 8},
        {"op": "set", "key": "c", "value": 1, "timestamp": now - 7},
    ]
    srv = kv_procs("foreign")
    srv.data_dir.mkdir(parents=True)
    srv.wal.write_bytes(b"".join(wal_line(r, crc=False) for r in records))
    srv.start()

    assert figures(srv, "a") == (1, 2, 2) and figures(srv, "b") == (2, 2, 1) and figures(srv, "c") == (3, 3, 1)
    assert srv.put_key("d", 1).json()["revision"] == 4
    srv.restart()
    assert figures(srv, "d") == (4, 4, 1)


def test_revisions_never_repeat_under_concurrent_writers(server):
    seen = []
    lock = threading.Lock()

    class Writers(Workers):
        def run(self, n):
            for i in range(100):
                if i % 3 == 0:
                    r = server.batch([{"op": "set", "key": f"w{n}-{i}", "value": i},
                                      {"op": "set", "key": f"w{n}-x", "value": i}])
                else:
                    r = server.put_key(f"w{n}-{i % 5}", i)
                with lock:
                    seen.append(r.json()["revision"])

    with Writers(4):
        pass
    assert sorted(seen) == list(range(1, 401)), "every change one revision, none given twice"
