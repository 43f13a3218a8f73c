"""GET /backup: a point-in-time copy of the data set in the wal.log format, taken while writes go on, that
restores by being saved as wal.log in an empty data dir."""
from decimal import Decimal

import requests

from conftest import MISSING, TIMEOUT, Workers, assert_json_error, jloads, request_bytes, wait_until

PRELOAD = 60_000
WRITERS = 3
BATCH_KEYS = 4
DELETABLE = 5_000


def fetch_backup(srv):
    """The backup's lines, parsed, and its response headers; checks the stream's framing on the way."""
    r = srv.get("/backup", stream=True)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-ndjson"
    assert r.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.headers
    raw = b"".join(r.iter_content(64 * 1024))
    assert raw.endswith(b"\n")
    return raw, [jloads(line) for line in raw.split(b"\n")[:-1]]


def state_of(lines):
    """key -> value of a backup's lines; checks it is compacted: a version mark first, then one set per key."""
    assert lines[0]["op"] == "format" and lines[0]["version"] == 2, lines[0]
    state = {}
    for line in lines[1:]:
        assert line["op"] == "set", line
        assert line["key"] not in state, f"{line['key']} twice: the backup is not compacted"
        state[line["key"]] = line["value"]
    return state


def restore(server_factory, tmp_path, raw, name):
    data = tmp_path / name
    data.mkdir()
    (data / "wal.log").write_bytes(raw)
    return server_factory(name=name + "-srv", data_dir=data)


def whole_state(srv):
    keys = srv.list_keys()
    state = {}
    for k in keys:
        v = srv.value_of(k)
        state[k] = v
    return state


def test_backup_of_a_quiet_server_restores_exactly(server, server_factory, tmp_path):
    assert server.put_key("a", {"n": 12345678901234567890123, "s": "é😀"}).status_code == 200
    assert server.put_key("b", 1.5).status_code == 200
    assert server.put_key("c", 1).status_code == 200
    assert server.del_key("c").status_code == 200
    assert server.put_key("ttl", "x", ttl=3600).status_code == 200
    assert server.put_key("gone", "x", ttl=0).status_code == 200
    assert server.batch([{"op": "set", "key": "b1", "value": 1}, {"op": "set", "key": "b2", "value": 2}]).status_code == 200

    raw, lines = fetch_backup(server)

    state = state_of(lines)
    assert set(state) == {"a", "b", "ttl", "b1", "b2"}
    ttl_line = next(line for line in lines if line.get("key") == "ttl")
    assert Decimal(3590) < ttl_line["ttl"] <= Decimal(3600), "the expiry is kept, counted from the line's timestamp"
    restored = restore(server_factory, tmp_path, raw, "restored")
    assert whole_state(restored) == whole_state(server)
    assert restored.value_of("a") == {"n": 12345678901234567890123, "s": "é😀"}
    assert [p.name for p in server.data_dir.iterdir() if "backup" in p.name] == [], "temp files left behind"


def test_backup_of_an_empty_server_is_the_version_mark(server, server_factory, tmp_path):
    raw, lines = fetch_backup(server)
    assert [line["op"] for line in lines] == ["format"]
    assert whole_state(restore(server_factory, tmp_path, raw, "empty")) == {}


def test_backup_over_http_1_0_comes_unchunked_and_the_connection_closes_after_it(server, server_factory, tmp_path):
    """HTTP/1.0 knows no chunked coding: the body comes as it is, sized, and the connection ends with it."""
    assert server.put_key("a", {"s": "é😀"}).status_code == 200
    assert server.put_key("ttl", "x", ttl=3600).status_code == 200
    assert server.batch([{"op": "set", "key": "b1", "value": 1}, {"op": "set", "key": "b2", "value": 2}]).status_code == 200

    with server.raw() as conn:
        conn.send(request_bytes("GET", "/backup", version="HTTP/1.0"))
        assert conn.wait_closed(), "the connection stayed open after the backup"
        head, _, raw = conn.buf.partition(b"\r\n\r\n")

    status, *header_lines = head.decode("latin-1").split("\r\n")
    assert status.startswith("HTTP/1.0 200 "), status
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    assert "transfer-encoding" not in headers, headers
    assert headers["content-type"] == "application/x-ndjson"
    assert headers["connection"] == "close"
    assert headers["content-length"] == str(len(raw)), "the body read until the close is the whole body"
    assert raw.endswith(b"\n")
    state = state_of([jloads(line) for line in raw.split(b"\n")[:-1]])
    assert set(state) == {"a", "ttl", "b1", "b2"}
    restored = restore(server_factory, tmp_path, raw, "restored")
    assert whole_state(restored) == whole_state(server)
    assert [p.name for p in server.data_dir.iterdir() if "backup" in p.name] == [], "temp files left behind"


def test_backup_takes_only_get(shared_server):
    r = shared_server.post("/backup")
    assert_json_error(r, 405)
    assert r.headers["allow"] == "GET"


class Writers(Workers):
    """WRITERS threads, each looping: PUT its counter p<w> to i, a batch setting b<w>-0..3 to one token i, and a
    DELETE of d<w>-<i>. Records per writer the last round acknowledged and the last round sent."""

    def __init__(self, srv):
        super().__init__(WRITERS, join_timeout=TIMEOUT)
        self.srv = srv
        self.acked = [-1] * WRITERS
        self.sent = [-1] * WRITERS
        self.errors = []

    def run(self, w):
        s = requests.Session()
        url = self.srv.url
        try:
            for i in range(DELETABLE):
                if self.stop.is_set():
                    return
                self.sent[w] = i
                r1 = s.put(f"{url}/kv/p{w}", json={"value": i}, timeout=TIMEOUT)
                r2 = s.post(f"{url}/kv/batch", timeout=TIMEOUT, json={"operations": [
                    {"op": "set", "key": f"b{w}-{j}", "value": i} for j in range(BATCH_KEYS)]})
                r3 = s.delete(f"{url}/kv/d{w}-{i:05d}", timeout=TIMEOUT)
                assert (r1.status_code, r2.status_code, r3.status_code) == (200, 200, 200), (r1.text, r2.text, r3.text)
                self.acked[w] = i
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))



def check_one_instant(state, acked_before, sent_after):
    """The backup holds, for every writer, the state after one round r with acked_before <= r <= sent_after."""
    for w in range(WRITERS):
        tokens = {state.get(f"b{w}-{j}") for j in range(BATCH_KEYS)}
        assert len(tokens) == 1, f"writer {w}'s batch was split: {tokens}"
        batch = tokens.pop()
        counter = state.get(f"p{w}")
        deleted = [i for i in range(DELETABLE) if f"d{w}-{i:05d}" not in state]
        assert deleted == list(range(len(deleted))), f"writer {w}'s deletes are not a prefix"
        for name, last in (("put", counter), ("batch", batch), ("delete", len(deleted) - 1)):
            if acked_before[w] >= 0:
                assert last is not None and last >= acked_before[w], \
                    f"writer {w}: {name} {last} acknowledged before the backup began is missing ({acked_before[w]})"
            assert last is None or last <= sent_after[w], \
                f"writer {w}: {name} {last} was sent after the backup ended ({sent_after[w]})"
        # one instant: each writer's three writes of a round are in order, so they differ by at most one round
        rounds = [x for x in (counter, batch, len(deleted) - 1) if x is not None]
        assert max(rounds) - min(rounds) <= 1, f"writer {w}: put {counter}, batch {batch}, deletes {len(deleted)}"


def test_backup_while_writes_go_on_is_one_instant_and_restores(server, server_factory, tmp_path):
    for start in range(0, PRELOAD, 2000):
        r = server.batch([{"op": "set", "key": f"static-{i:06d}", "value": i} for i in range(start, start + 2000)])
        assert r.status_code == 200
    for w in range(WRITERS):
        for start in range(0, DELETABLE, 1000):
            r = server.batch([{"op": "set", "key": f"d{w}-{i:05d}", "value": "x"} for i in range(start, start + 1000)])
            assert r.status_code == 200

    overlapped = False
    with Writers(server) as writers:
        for attempt in range(3):
            progress = sum(writers.acked)
            wait_until(lambda: writers.errors or sum(writers.acked) >= progress + WRITERS, msg="writers going")
            assert not writers.errors, writers.errors
            acked_before = list(writers.acked)
            raw, lines = fetch_backup(server)
            sent_after = list(writers.sent)
            state = state_of(lines)
            check_one_instant(state, acked_before, sent_after)
            for i in range(0, PRELOAD, 997):
                assert state[f"static-{i:06d}"] == i
            assert sum(1 for k in state if k.startswith("static-")) == PRELOAD
            if any(sa > ab + 1 for sa, ab in zip(sent_after, acked_before)):
                overlapped = True
                break
    assert not writers.errors, writers.errors
    assert overlapped, "no write went on while the backup was taken; the test proved nothing"

    restored = restore(server_factory, tmp_path, raw, "restored")
    assert len(restored.list_keys()) == len(state)
    for w in range(WRITERS):
        for k in [f"p{w}", f"b{w}-0", f"b{w}-3", f"d{w}-00000", f"d{w}-{DELETABLE - 1:05d}"]:
            assert restored.value_of(k) == state.get(k, MISSING), k
    assert restored.value_of("static-012345") == 12345
    # the backup's log is the restored server's log: a second backup of it is the same state
    assert state_of(fetch_backup(restored)[1]) == state
