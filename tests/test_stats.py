"""GET /stats: fields, live-key counts, size_bytes, operation counting."""
import json
import os

import pytest

from conftest import assert_fields, jloads, uid, wait_until


def compact_len(raw_json_text):
    """Length in UTF-8 bytes of the compact re-serialisation of a JSON value without floats."""
    v = json.loads(raw_json_text)
    return len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def test_all_fields_present_with_types(shared_server):
    r = shared_server.get("/stats")
    assert r.status_code == 200
    assert "application/json" in r.headers.get("content-type", "")
    s = jloads(r.content)
    for f in ("keys", "total_keys", "size_bytes", "total_operations"):
        assert f in s, f"missing {f} in {s}"
        assert isinstance(s[f], int) and not isinstance(s[f], bool) and s[f] >= 0, (f, s[f])
    assert "uptime_seconds" in s
    assert not isinstance(s["uptime_seconds"], bool)
    assert float(s["uptime_seconds"]) >= 0
    # spec extras
    for f in ("wal_bytes", "compactions"):
        assert isinstance(s.get(f), int) and not isinstance(s[f], bool), (f, s)
    assert s.get("fsync") == "always"


def test_uptime_is_fractional_seconds_and_grows(shared_server):
    first = float(shared_server.stats()["uptime_seconds"])
    wait_until(lambda: float(shared_server.stats()["uptime_seconds"]) > first, timeout=5,
               msg="uptime_seconds to grow")
    # float seconds: sub-second changes must be visible (two reads a few ms apart differ or the value
    # carries a fraction)
    vals = {shared_server.stats()["uptime_seconds"] for _ in range(5)}
    assert any(float(v) != int(float(v)) for v in vals) or len(vals) > 1, vals


def test_counts_and_size_on_fresh_server(server):
    s0 = server.stats()
    assert_fields(s0, {"keys": 0, "total_keys": 0, "size_bytes": 0})
    values = {
        "a": '"héllo"',
        "b": '{"a":[1,2],"b":{"c":null}}',
        "c": "12345678901234567890123",
        "d": '"😀 𝄞 中文"',
        "e": "[]",
        "f": '""',
        "g": "true",
    }
    for k, v in values.items():
        assert server.put_key(k, raw='{"value": ' + v + "}").status_code == 200
    expected_size = sum(compact_len(v) for v in values.values())
    s = server.stats()
    assert_fields(s, {"keys": 7, "total_keys": 7, "size_bytes": expected_size})

    # overwrite changes size, not the count
    assert server.put_key("a", "x").status_code == 200
    expected_size += compact_len('"x"') - compact_len(values["a"])
    assert_fields(server.stats(), {"keys": 7, "total_keys": 7, "size_bytes": expected_size})

    # delete
    assert server.del_key("b").status_code == 200
    expected_size -= compact_len(values["b"])
    assert_fields(server.stats(), {"keys": 6, "total_keys": 6, "size_bytes": expected_size})

    # batch set + delete
    r = server.batch([{"op": "set", "key": "h", "value": [1, 2, 3]}, {"op": "delete", "key": "c"}])
    assert r.status_code == 200
    expected_size += compact_len("[1,2,3]") - compact_len(values["c"])
    assert_fields(server.stats(), {"keys": 6, "total_keys": 6, "size_bytes": expected_size})

    # an expired-at-once key is not counted
    assert server.put_key("z", "gone", ttl=0).status_code == 200
    assert_fields(server.stats(), {"keys": 6, "total_keys": 6, "size_bytes": expected_size})
    # expiring an existing key removes it from the counts
    assert server.put_key("d", "gone", ttl=0).status_code == 200
    expected_size -= compact_len(values["d"])
    assert_fields(server.stats(), {"keys": 5, "total_keys": 5, "size_bytes": expected_size})


def test_size_bytes_uses_compact_json(server):
    # the body uses spaces and escapes; size is of the compact UTF-8 form
    assert server.put_key("k", raw='{"value": { "a" : [ 1 , 2 ] , "s" : "\\u00e9" } }').status_code == 200
    assert server.stats()["size_bytes"] == len('{"a":[1,2],"s":"é"}'.encode())


def test_timed_expiry_leaves_counts(server):
    assert server.put_key("live", "12345").status_code == 200
    assert server.put_key("t1", "abc", ttl=3).status_code == 200
    assert server.put_key("t2", [1], ttl=3).status_code == 200
    live_size = compact_len('"12345"')
    assert_fields(server.stats(), {"keys": 3, "total_keys": 3,
                                   "size_bytes": live_size + compact_len('"abc"') + compact_len("[1]")})
    wait_until(lambda: server.stats()["keys"] == 1, timeout=15, msg="expired keys to leave stats")
    assert_fields(server.stats(), {"keys": 1, "total_keys": 1, "size_bytes": live_size})


def _ops_round(srv, p):
    """Exactly 10 counted operations: put, get, put, delete, list, list(prefix), batch of 4."""
    assert srv.put_key(p + "a", 1).status_code == 200
    assert srv.get_key(p + "a").status_code == 200
    assert srv.put_key(p + "b", 2).status_code == 200
    assert srv.del_key(p + "b").status_code == 200
    srv.list_keys()
    srv.list_keys(p)
    r = srv.batch([{"op": "set", "key": p + "c", "value": 3}, {"op": "get", "key": p + "c"},
                   {"op": "delete", "key": p + "c"}, {"op": "get", "key": p + "a"}])
    assert r.status_code == 200
    return 10


def test_total_operations_counts_every_operation(server):
    s0 = server.stats()["total_operations"]
    n1 = _ops_round(server, "r1-")
    s1 = server.stats()["total_operations"]
    n2 = _ops_round(server, "r2-")
    s2 = server.stats()["total_operations"]
    d1, d2 = s1 - s0, s2 - s1
    assert d1 == d2, (d1, d2)
    # the /stats read itself may or may not count; everything else must
    assert d1 in (n1, n1 + 1), f"expected {n1} operations counted, got {d1}"


def test_batch_operations_counted_individually(server):
    s0 = server.stats()["total_operations"]
    s1 = server.stats()["total_operations"]
    stats_cost = s1 - s0  # 0 or 1
    assert stats_cost in (0, 1)
    ops = [{"op": "set", "key": f"k{i}", "value": i} for i in range(25)]
    assert server.batch(ops).status_code == 200
    s2 = server.stats()["total_operations"]
    assert s2 - s1 == 25 + stats_cost, (s2 - s1)


def test_health_not_a_store_operation(server):
    assert server.put_key("k", 1).status_code == 200
    s0 = server.stats()
    s1 = server.stats()
    for _ in range(5):
        r = server.get("/health")
        assert r.status_code == 200 and jloads(r.content)["status"] == "ok"
    s2 = server.stats()
    assert s2["total_operations"] - s1["total_operations"] == s1["total_operations"] - s0["total_operations"]
    assert s2["wal_bytes"] == s0["wal_bytes"]  # the log is not touched


def test_wal_bytes_matches_file_size(server):
    for i in range(5):
        assert server.put_key(f"k{i}", "v" * i).status_code == 200
    s = server.stats()
    assert s["wal_bytes"] == os.path.getsize(server.wal) > 0


@pytest.mark.parametrize("policy", ["everysec", "never"])
def test_stats_reports_fsync_policy(server_factory, policy):
    srv = server_factory(args=["--fsync", policy])
    assert srv.stats()["fsync"] == policy
