"""POST /admin/compact: a compaction on demand, whatever the log's size; 409 while one runs."""
from conftest import assert_json_error, jloads, wait_until


def test_compact_on_demand_rewrites_a_small_log(server):
    for i in range(200):
        assert server.put_key("k", i).status_code == 200
    assert server.put_key("other", {"x": [1, 2]}).status_code == 200
    before = server.stats()
    assert before["compactions"] == 0, "the log is far below the automatic thresholds"

    r = server.post("/admin/compact")

    assert r.status_code == 202, r.text
    assert "application/json" in r.headers["content-type"]
    assert jloads(r.content) == {"compaction": "started"}
    wait_until(lambda: server.stats()["compactions"] == 1 and server.stats()["wal_bytes"] < before["wal_bytes"] / 10,
               msg="the compaction asked for to finish")
    assert server.value_of("k") == 199
    server.restart()
    assert server.value_of("k") == 199
    assert server.value_of("other") == {"x": [1, 2]}


def test_second_compaction_while_one_runs_is_409(server):
    # Enough data that the first compaction's snapshot is still being written when the second asks.
    for start in range(0, 100_000, 1000):
        r = server.batch([{"op": "set", "key": f"k{i:06d}", "value": "v" * 50} for i in range(start, start + 1000)])
        assert r.status_code == 200
    request = b"POST /admin/compact HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
    with server.raw() as conn:
        conn.send(request * 2)  # pipelined: both reach the log worker before the first compaction ends
        first, second = conn.read_response(), conn.read_response()
    assert first.status_code == 202, first
    body = assert_json_error(second, 409)
    assert body == {"error": "compaction already running"}
    wait_until(lambda: server.stats()["compactions"] == 1, timeout=60, msg="the compaction to finish")
    assert server.post("/admin/compact").status_code == 202, "once finished, another may start"


def test_compact_takes_only_post(shared_server):
    r = shared_server.get("/admin/compact")
    assert_json_error(r, 405)
    assert r.headers["allow"] == "POST"


def test_reads_go_on_while_a_compaction_runs(server):
    for start in range(0, 50_000, 1000):
        r = server.batch([{"op": "set", "key": f"k{i:06d}", "value": i} for i in range(start, start + 1000)])
        assert r.status_code == 200
    assert server.post("/admin/compact").status_code == 202
    assert server.value_of("k000123") == 123
    assert server.put_key("during", 1).status_code == 200
    wait_until(lambda: server.stats()["compactions"] == 1, timeout=60, msg="the compaction to finish")
    server.restart()
    assert server.value_of("during") == 1
    assert server.value_of("k049999") == 49999
