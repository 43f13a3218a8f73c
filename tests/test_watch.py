"""GET /watch on one server: Server-Sent Events of every change (put, delete, expire, batches) in revision order,
from a revision or a Last-Event-ID, 410 past the history, progress events, a slow watcher cut off while writers
and other watchers go on, watchers that drop and resume without a change missing or repeated, and a resume
across a restart."""
import random
import socket
import threading

import pytest
import requests

from conftest import CountingWriters, enc, uid, wait_until, watch

EVENT_WAIT = 10  # seconds an expected event may take, generously


def key_events(stream, n):
    """The next n events as (event, key, value or None), ids checked to never go down."""
    out = []
    last = 0
    for e in stream.take(n, timeout=EVENT_WAIT):
        assert e["id"] >= last, e
        last = e["id"]
        out.append((e["event"], e["data"]["key"], e["data"].get("value")))
    return out


def test_puts_deletes_expiries_and_batches_arrive_in_order_with_their_data(shared_server):
    p = uid("order")
    with watch(shared_server, "prefix=" + enc(p)) as stream:
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream"
        shared_server.put_key(p + "a", {"n": 1}, ttl=1)
        shared_server.put_key(uid("elsewhere") + "x", 1)  # not watched
        shared_server.batch([{"op": "set", "key": p + "b", "value": [1, 2]},
                             {"op": "delete", "key": p + "missing"},
                             {"op": "set", "key": p + "c", "value": "c"}])
        shared_server.put_key(p + "b", 12345678901234567890123)
        assert shared_server.del_key(p + "c").status_code == 200

        events = stream.take(6, timeout=EVENT_WAIT)

    put_a, batch_b, batch_c, put_b, delete_c, expire_a = events
    assert put_a["event"] == "put" and put_a["data"]["key"] == p + "a" and put_a["data"]["value"] == {"n": 1}
    assert put_a["data"]["version"] == 1 and put_a["data"]["create_revision"] == put_a["id"]
    assert 0 < put_a["data"]["ttl"] <= 1
    assert put_a["data"]["revision"] == put_a["id"]
    assert (batch_b["event"], batch_b["data"]["key"], batch_b["data"]["value"]) == ("put", p + "b", [1, 2])
    assert (batch_c["event"], batch_c["data"]["key"]) == ("put", p + "c")
    assert batch_b["id"] == batch_c["id"] > put_a["id"], "a batch is one revision, delivered together"
    assert "ttl" not in batch_b["data"]
    assert put_b["data"]["value"] == 12345678901234567890123, "values keep every digit"
    assert put_b["data"]["version"] == 2 and put_b["data"]["create_revision"] == batch_b["id"]
    assert delete_c == {"id": delete_c["id"], "event": "delete",
                        "data": {"type": "delete", "key": p + "c", "revision": delete_c["id"]}}
    assert (expire_a["event"], expire_a["data"]) == ("expire", {"type": "expire", "key": p + "a",
                                                                "revision": expire_a["id"]})
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_a_key_watch_sees_only_that_key(shared_server):
    p = uid("one")
    with watch(shared_server, "key=" + enc(p + "k")) as stream:
        for k in ("k2", "k", "x", "k"):
            shared_server.put_key(p + k, k)
        assert key_events(stream, 2) == [("put", p + "k", "k"), ("put", p + "k", "k")]


def test_from_and_last_event_id_resume_where_the_client_left(shared_server):
    p = uid("resume")
    with watch(shared_server, "prefix=" + enc(p)) as stream:
        for i in range(5):
            shared_server.put_key(p + str(i), i)
        first = stream.take(5, timeout=EVENT_WAIT)
    ids = [e["id"] for e in first]

    with watch(shared_server, f"prefix={enc(p)}&from={ids[2]}") as again:
        assert [e["data"]["value"] for e in again.take(3, timeout=EVENT_WAIT)] == [2, 3, 4]
    with watch(shared_server, f"prefix={enc(p)}&from=1", headers={"Last-Event-ID": str(ids[3])}) as resumed:
        assert [e["data"]["value"] for e in resumed.take(1, timeout=EVENT_WAIT)] == [4]
        shared_server.put_key(p + "5", 5)
        assert [e["data"]["value"] for e in resumed.take(1, timeout=EVENT_WAIT)] == [5]


def test_list_then_watch_from_the_listings_revision_misses_nothing(shared_server):
    p = uid("listwatch")
    for i in range(3):
        shared_server.put_key(p + str(i), i)
    listing = shared_server.get("/kv?prefix=" + enc(p) + "&values=true").json()
    state = {item["key"]: item["value"] for item in listing["items"]}
    shared_server.put_key(p + "1", "changed after the listing")
    shared_server.del_key(p + "0")
    with watch(shared_server, f"prefix={enc(p)}&from={listing['revision'] + 1}") as stream:
        for e in stream.take(2, timeout=EVENT_WAIT):
            if e["event"] == "put":
                state[e["data"]["key"]] = e["data"]["value"]
            else:
                state.pop(e["data"]["key"])
    assert state == {k: v for k, v in ((p + "1", "changed after the listing"), (p + "2", 2))}
    assert state == {item["key"]: item["value"]
                     for item in shared_server.get("/kv?prefix=" + enc(p) + "&values=true").json()["items"]}


def test_a_client_waits_for_a_lock_with_a_watch_instead_of_polling(shared_server):
    lock = uid("lock") + "l"
    held = shared_server.put(f"/kv/{enc(lock)}", data='{"value": "a", "ttl": 30}', headers={"If-None-Match": "*"})
    assert held.status_code == 200
    taken = shared_server.put(f"/kv/{enc(lock)}", data='{"value": "b", "ttl": 30}', headers={"If-None-Match": "*"})
    assert taken.status_code == 412
    with watch(shared_server, f"key={enc(lock)}&from={taken.json()['mod_revision'] + 1}") as stream:
        release = shared_server.delete(f"/kv/{enc(lock)}", headers={"If-Match": f'"{held.json()["revision"]}"'})
        assert release.status_code == 200
        assert stream.next(timeout=EVENT_WAIT)["event"] == "delete"
    again = shared_server.put(f"/kv/{enc(lock)}", data='{"value": "b", "ttl": 30}', headers={"If-None-Match": "*"})
    assert again.status_code == 200


@pytest.mark.parametrize("query,header", [("prefix=a&key=b", None), ("from=-1", None), ("from=x", None),
                                          ("key=", None), ("", "nope")])
def test_a_query_it_cannot_read_gets_400(shared_server, query, header):
    with watch(shared_server, query, headers={"Last-Event-ID": header} if header else None) as stream:
        assert stream.status == 400, stream.error_body
        assert isinstance(stream.error_body["error"], str)


def test_a_from_older_than_the_history_gets_410_with_the_oldest_revision_held(server_factory):
    server = server_factory(args=["--watch-history", "3"])
    for i in range(6):
        server.put_key(f"k{i}", i)
    with watch(server, "from=1") as old:
        assert old.status == 410
        assert old.error_body == {"error": "revision compacted", "compact_revision": 4}
    with watch(server, "from=4") as kept:
        assert [e["data"]["value"] for e in kept.take(3, timeout=EVENT_WAIT)] == [3, 4, 5]


def test_progress_comes_after_the_interval_without_events_with_the_current_revision(server_factory):
    server = server_factory(args=["--watch-progress-millis", "300"])
    server.put_key("a", 1)
    server.put_key("b", 1)
    with watch(server, "prefix=quiet/") as stream:
        e = stream.next(timeout=EVENT_WAIT)
        assert e == {"id": 2, "event": "progress", "data": {"revision": 2}}
        server.put_key("c", 1)
        assert stream.next(timeout=EVENT_WAIT) == {"id": 3, "event": "progress", "data": {"revision": 3}}
    with watch(server, "from=3") as resumed:  # what a client does with a progress id: resume after it
        server.put_key("d", 1)
        assert [e["data"]["key"] for e in resumed.take(2, timeout=EVENT_WAIT)] == ["c", "d"]


def test_timeouts_do_not_cut_a_stream(server_factory):
    server = server_factory(args=["--watch-progress-millis", "200", "--request-timeout", "1", "--idle-timeout", "1"])
    with watch(server) as stream:
        progress = [stream.next(timeout=EVENT_WAIT) for _ in range(15)]  # 3 s, three times each timeout
        assert {e["event"] for e in progress} == {"progress"}
        server.put_key("k", 1)
        e = stream.next(timeout=EVENT_WAIT)
        while e["event"] == "progress":
            e = stream.next(timeout=EVENT_WAIT)
        assert e["data"]["key"] == "k"


def writers(server, prefix, count, value_bytes=16, batch=1):
    """CountingWriters that put {"i": i, "pad": ...} to their keys; with batch > 1, sets of batch keys at once
    (<key>-0, <key>-1, ...) in one POST /kv/batch."""
    padding = "x" * value_bytes

    def write(n, key, i):
        if batch == 1:
            return server.put_key(key, {"i": i, "pad": padding}).status_code == 200
        ops = [{"op": "set", "key": f"{key}-{j}", "value": {"i": i, "pad": padding}} for j in range(batch)]
        return server.batch(ops).status_code == 200

    return CountingWriters(count, prefix, write)


def test_a_watcher_that_does_not_read_is_cut_off_while_writers_and_other_watchers_go_on(server_factory):
    # The cut-off stream waits one progress interval for its client to read the error event: long enough here
    # that this client, which reads only once everything else is done, still finds it however loaded the machine.
    server = server_factory(args=["--watch-buffer", "64KiB", "--watch-progress-millis", "600000"])
    p = uid("slow")
    slow = watch(server, "prefix=" + enc(p), rcvbuf=4096)  # reads its head, then nothing
    fast = watch(server, "prefix=" + enc(p))
    seen = []

    def read_fast():
        while len(seen) < 4000:
            e = fast.next(timeout=30)
            assert e is not None and e["event"] == "put", e
            seen.append(e["id"])

    reader = threading.Thread(target=read_fast, daemon=True)
    reader.start()
    with writers(server, p, 4, value_bytes=2000, batch=20) as w:
        wait_until(lambda: w.writes() >= 200, timeout=120, msg="writers write on")  # 200 x 20 x 2 KB: 8 MB
    reader.join(60)
    assert len(seen) >= 4000, "the other watcher kept receiving"
    assert seen == sorted(seen)

    ids, last = [], None
    while True:  # the slow client reads at last: what it was sent, then the end
        e = slow.next(timeout=30)
        if e is None:
            break
        if e["event"] == "error":
            last = e
            continue
        assert last is None, "nothing after the error event"
        ids.append(e["id"])
    slow.close()
    fast.close()
    assert last is not None and last["data"]["error"] == "watcher too slow", ids[-3:]
    assert last["id"] is None
    revision = last["data"]["revision"]
    assert ids and ids[-1] <= revision, "everything up to the revision it names was delivered"
    assert len(ids) < 4000, "it was cut off long before the end"
    assert ids == seen[:len(ids)], "what it got is the start of what the other got, whole revisions"
    assert ids[-1] == revision or revision not in seen, "the revision it names is the last it got whole"


def test_watchers_that_drop_and_resume_with_last_event_id_miss_and_repeat_nothing(server_factory):
    server = server_factory()
    p = uid("fault")
    prefixes = [p, p + "w0", p + "w1"]
    results = {}
    stop = threading.Event()
    errors = []

    def watcher(name, prefix, seed):
        rnd = random.Random(seed)
        got, last_id = [], None
        try:
            while not stop.is_set() or not caught_up(got, prefix):
                headers = {"Last-Event-ID": str(last_id)} if last_id is not None else None
                with watch(server, "prefix=" + enc(prefix) + ("" if last_id is not None else "&from=1"),
                           headers=headers) as stream:
                    assert stream.status == 200, stream.error_body
                    for _ in range(rnd.randint(1, 40)):  # then drop the connection, as a network would
                        try:
                            e = stream.next(timeout=0.5)
                        except (socket.timeout, TimeoutError):
                            break
                        assert e is not None and e["event"] == "put", e
                        got.append((e["id"], e["data"]["key"], e["data"]["value"]["i"]))
                        last_id = e["id"]
        except BaseException as e:  # reported by the test thread
            errors.append(e)
        results[name] = got

    def caught_up(got, prefix):
        expected = sum(len(v) for k, v in w.acked.items() if k.startswith(prefix))
        return len(got) >= expected

    with writers(server, p, 3) as w:
        threads = [threading.Thread(target=watcher, args=(f"v{i}", prefix, i), daemon=True)
                   for i, prefix in enumerate(prefixes + prefixes)]
        for t in threads:
            t.start()
        wait_until(lambda: w.writes() >= 600, timeout=120, msg="600 writes")
    stop.set()
    for t in threads:
        t.join(120)
    assert not errors, errors
    for i, prefix in enumerate(prefixes + prefixes):
        got = results[f"v{i}"]
        written = {k: v for k, v in w.acked.items() if k.startswith(prefix)}
        per_key = {}
        for _, key, value in got:
            per_key.setdefault(key, []).append(value)
        assert per_key == written, f"watcher v{i} of {prefix!r}: missing or repeated changes"
        ids = [e[0] for e in got]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), "in revision order, each once"
    assert results["v0"] == results["v3"], "two watchers of one prefix see the same sequence"


def test_a_watcher_resumes_across_a_restart_with_its_last_event_id(server_factory):
    server = server_factory()
    p = uid("restart")
    with watch(server, "prefix=" + enc(p)) as stream:
        for i in range(3):
            server.put_key(p + str(i), i)
        seen = stream.take(2, timeout=EVENT_WAIT)
    server.restart()
    server.put_key(p + "3", 3)
    with watch(server, "prefix=" + enc(p), headers={"Last-Event-ID": str(seen[-1]["id"])}) as resumed:
        assert [e["data"]["value"] for e in resumed.take(2, timeout=EVENT_WAIT)] == [2, 3]


def test_the_token_origin_and_host_rules_apply(server_factory, tmp_path):
    token = tmp_path / "token"
    token.write_text("watch-token")
    server = server_factory(args=["--auth-token-file", token], start=False)
    server.ready_path = "/health"
    server.start()
    with watch(server) as refused:
        assert refused.status == 401
    with watch(server, headers={"Authorization": "Bearer watch-token", "Origin": "https://evil.example"}) as page:
        assert page.status == 403
    with watch(server, headers={"Authorization": "Bearer watch-token", "Host": "rebound.example"}) as rebound:
        assert rebound.status == 403
    with watch(server, headers={"Authorization": "Bearer watch-token"}) as allowed:
        assert allowed.status == 200


def test_streams_count_toward_max_connections(server_factory):
    server = server_factory(args=["--max-connections", "3"])
    streams = [watch(server) for _ in range(3)]
    try:
        assert all(s.status == 200 for s in streams)
        with pytest.raises((EOFError, OSError)):
            with watch(server) as fourth:
                fourth.next(timeout=5)
    finally:
        for s in streams:
            s.close()

    def served():
        try:
            return server.put_key("after", 1).status_code == 200
        except requests.RequestException:
            return False

    wait_until(served, timeout=EVENT_WAIT, msg="a connection once the streams closed")
