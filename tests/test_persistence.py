"""Write-ahead log, restart, replay, torn/damaged logs, foreign logs, fsync policies, compaction."""
import json
import re
import signal
import threading
import time

import pytest
import requests

from conftest import MISSING, TIMEOUT, assert_fields, enc, jloads, uid, wait_until
from durability_support import crc32c


# ------------------------------------------------------------------ helpers
def write_wal(srv, records, raw_tail=b""):
    """Write records (dicts or raw str lines) to the server's wal.log, one per line."""
    srv.data_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for r in records:
        lines.append(r if isinstance(r, str) else json.dumps(r, separators=(",", ":"), ensure_ascii=False))
    data = "".join(l + "\n" for l in lines).encode("utf-8") + raw_tail
    srv.wal.write_bytes(data)
    return data


def assert_state(srv, expected):
    for k, v in expected.items():
        got = srv.value_of(k)
        assert got == v if v is not MISSING else got is MISSING, f"key {k!r}: expected {v!r}, got {got!r}"


# ------------------------------------------------------------------ restart
def test_restart_after_sigterm_keeps_data(server):
    raw_values = {"int": "12345678901234567890123", "dec": "0.1", "huge": "1e400", "str": '"😀 é"',
                  "obj": '{"a":[1,{"b":null}]}', "empty": '""', "arr": "[]", "null": "null"}
    for k, v in raw_values.items():
        assert server.put_key(k, raw='{"value":' + v + "}").status_code == 200
    assert server.put_key("deleted", 1).status_code == 200
    assert server.del_key("deleted").status_code == 200
    assert server.put_key("over", 1).status_code == 200
    assert server.put_key("over", 2).status_code == 200
    assert server.batch([{"op": "set", "key": "b1", "value": "x"}, {"op": "set", "key": "b2", "value": "y"},
                         {"op": "delete", "key": "over"}]).status_code == 200
    assert server.put_key("ttl-long", "t", ttl=100000).status_code == 200
    before_list = server.list_keys()
    before_stats = server.stats()
    rc = server.stop()
    assert rc == 0, server.log()
    server.start()
    assert server.list_keys() == before_list
    for k, v in raw_values.items():
        assert server.value_of(k) == jloads(v), k
    assert server.value_of("deleted") is MISSING
    assert server.value_of("over") is MISSING
    assert server.value_of("b1") == "x" and server.value_of("b2") == "y"
    assert server.value_of("ttl-long") == "t"
    after = server.stats()
    assert after["keys"] == before_stats["keys"]
    assert after["size_bytes"] == before_stats["size_bytes"]
    # created flags reflect the replayed state
    assert jloads(server.put_key("b1", "z").content)["created"] is False
    assert jloads(server.put_key("deleted", "z").content)["created"] is True


def test_sigterm_exits_zero_within_5s(server):
    assert server.put_key("k", 1).status_code == 200
    t0 = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    rc = server.proc.wait(timeout=15)
    elapsed = time.monotonic() - t0
    assert rc == 0, server.log()
    assert elapsed <= 5.0, f"SIGTERM took {elapsed:.1f}s"


def test_sigint_exits_zero_and_keeps_data(server):
    assert server.put_key("k", "v").status_code == 200
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=15) == 0
    server.start()
    assert server.value_of("k") == "v"


def test_sigterm_with_keep_alive_connections_open(server):
    s = requests.Session()
    assert s.put(server.url + "/kv/a", json={"value": 1}, timeout=TIMEOUT).status_code == 200
    with server.raw() as c:  # an idle keep-alive connection must not delay the exit
        c.send(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert c.read_response().status_code == 200
        t0 = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=15) == 0
        assert time.monotonic() - t0 <= 5.0
    s.close()


def test_sigterm_answers_in_flight_writes(server):
    """Writes in flight when SIGTERM arrives are either answered 200 (and then durable) or refused."""
    acked = {}
    stop = threading.Event()

    def writer(t):
        with requests.Session() as s:
            i = 0
            while not stop.is_set():
                k = f"w{t}-{i}"
                try:
                    r = s.put(f"{server.url}/kv/{k}", json={"value": i}, timeout=TIMEOUT)
                except requests.RequestException:
                    return
                if r.status_code == 200:
                    acked[k] = i
                i += 1

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 40, timeout=20, msg="some writes acknowledged")
    server.proc.send_signal(signal.SIGTERM)
    rc = server.proc.wait(timeout=15)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert rc == 0, server.log()
    server.start()
    missing = [k for k, v in acked.items() if server.value_of(k) != v]
    assert not missing, f"{len(missing)} acknowledged writes lost after SIGTERM: {missing[:5]}"


def test_ttl_keeps_counting_while_down(server):
    assert server.put_key("short", "s", ttl=2).status_code == 200
    t_put = time.time()
    assert server.put_key("long", "l", ttl=100000).status_code == 200
    assert server.put_key("forever", "f").status_code == 200
    assert server.value_of("short") == "s"
    assert server.stop() == 0
    # wait (server down) until the short key's deadline has passed, with a margin
    remaining = t_put + 2 + 0.5 - time.time()
    if remaining > 0:
        time.sleep(remaining)
    server.start()
    assert server.value_of("short") is MISSING
    assert server.value_of("long") == "l"
    assert server.value_of("forever") == "f"
    assert server.list_keys() == ["forever", "long"]
    assert server.stats()["keys"] == 2



# ------------------------------------------------------------------ crash (SIGKILL)
def test_sigkill_keeps_every_acknowledged_write(server):
    for i in range(30):
        assert server.put_key(f"pre{i}", i).status_code == 200
    acked_set, acked_del, acked_batch = {}, set(), {}
    stop = threading.Event()
    lock = threading.Lock()

    def writer(t):
        with requests.Session() as s:
            i = 0
            while not stop.is_set():
                try:
                    if t == 0 and i < 30:
                        r = s.delete(f"{server.url}/kv/pre{i}", timeout=TIMEOUT)
                        if r.status_code == 200:
                            with lock:
                                acked_del.add(f"pre{i}")
                    elif t == 1:
                        ops = [{"op": "set", "key": f"b{i}-{j}", "value": [i, j]} for j in range(3)]
                        r = s.post(f"{server.url}/kv/batch", json={"operations": ops}, timeout=TIMEOUT)
                        if r.status_code == 200:
                            with lock:
                                acked_batch.update({f"b{i}-{j}": [i, j] for j in range(3)})
                    else:
                        k = f"w{t}-{i}"
                        r = s.put(f"{server.url}/kv/{k}", json={"value": {"t": t, "i": i}}, timeout=TIMEOUT)
                        if r.status_code == 200:
                            with lock:
                                acked_set[k] = {"t": t, "i": i}
                except requests.RequestException:
                    return
                i += 1

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(5)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked_set) >= 150 and len(acked_del) >= 10, timeout=30, msg="writes acknowledged")
    server.kill()  # SIGKILL while writes are in flight
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with lock:
        acked_set, acked_del, acked_batch = dict(acked_set), set(acked_del), dict(acked_batch)
    server.start()
    lost = [k for k, v in acked_set.items() if server.value_of(k) != v]
    assert not lost, f"{len(lost)} acknowledged PUTs lost after SIGKILL: {lost[:5]}"
    resurrected = [k for k in acked_del if server.value_of(k) is not MISSING]
    assert not resurrected, f"acknowledged DELETEs undone after SIGKILL: {resurrected[:5]}"
    lost_b = [k for k, v in acked_batch.items() if server.value_of(k) != v]
    assert not lost_b, f"acknowledged batch writes lost: {lost_b[:5]}"
    # batches are all-or-nothing even for the unacknowledged one that was in flight
    keys = server.list_keys("b")
    groups = {}
    for k in keys:
        groups.setdefault(k.split("-")[0], []).append(k)
    assert all(len(g) == 3 for g in groups.values()), groups


@pytest.mark.parametrize("policy", ["everysec", "never"])
def test_other_fsync_policies_work(server_factory, policy):
    srv = server_factory(args=["--fsync", policy])
    assert srv.put_key("a", {"x": 1}).status_code == 200
    assert srv.value_of("a") == {"x": 1}
    assert srv.batch([{"op": "set", "key": "b", "value": 2}]).status_code == 200
    assert srv.del_key("a").status_code == 200
    assert srv.stats()["fsync"] == policy
    assert srv.stop() == 0
    srv.start()
    assert srv.value_of("a") is MISSING
    assert srv.value_of("b") == 2


def test_everysec_acknowledged_writes_survive_process_kill(server_factory):
    # everysec acknowledges once the write reached the OS: a process crash loses nothing acknowledged
    srv = server_factory(args=["--fsync", "everysec"])
    for i in range(100):
        assert srv.put_key(f"k{i}", i).status_code == 200
    srv.kill()
    srv.start()
    assert all(srv.value_of(f"k{i}") == i for i in range(100))


# ------------------------------------------------------------------ WAL format
def test_wal_lines_are_json_with_valid_crc(server):
    assert server.put_key("a", {"v": [1, 2]}, ttl=1000.5).status_code == 200
    assert server.put_key("b", "x").status_code == 200
    assert server.del_key("b").status_code == 200
    assert server.batch([{"op": "set", "key": "c", "value": 1}, {"op": "delete", "key": "a"}]).status_code == 200
    lines = server.wal.read_bytes().split(b"\n")
    assert lines[-1] == b"", "log must end with a newline"
    recs = []
    for line in lines[:-1]:
        rec = json.loads(line)
        recs.append(rec)
        assert isinstance(rec["timestamp"], (int, float))
        if "crc" in rec:
            m = re.fullmatch(rb'(\{.*),"crc":"([0-9a-f]{8})"\}', line)
            assert m, line
            assert crc32c(m.group(1) + b"}") == int(m.group(2), 16), line
    ops = [r["op"] for r in recs]
    assert ops == ["set", "set", "delete", "begin", "set", "delete", "commit"], ops
    assert recs[0]["key"] == "a" and recs[0]["value"] == {"v": [1, 2]} and recs[0]["ttl"] == 1000.5
    assert "ttl" not in recs[1]
    assert recs[3]["count"] == 2 and recs[6]["count"] == 2
    assert abs(recs[0]["timestamp"] - time.time()) < 600


def test_data_dir_created_when_missing(server_factory, tmp_path):
    d = tmp_path / "deep" / "er" / "data"
    srv = server_factory(data_dir=d)
    assert srv.put_key("k", 1).status_code == 200
    assert (d / "wal.log").is_file()
    assert (d / "wal.log").stat().st_size > 0


# ------------------------------------------------------------------ foreign / hand-written logs
def test_foreign_log_without_crc_replays(server_factory):
    srv = server_factory(start=False)
    now = time.time()
    write_wal(srv, [
        {"op": "set", "key": "a", "value": 1, "timestamp": now - 50},
        {"op": "set", "key": "b", "value": {"x": [1, 2, None]}, "timestamp": int(now) - 40},
        '{"op":"set","key":"big","value":12345678901234567890123,"timestamp":%.3f}' % (now - 30),
        '{"op":"set","key":"dec","value":0.1,"timestamp":%.3f}' % (now - 30),
        '{"op":"set","key":"inf","value":1e400,"timestamp":%.3f}' % (now - 30),
        {"op": "set", "key": "a", "value": 2, "timestamp": now - 20},
        {"op": "set", "key": "c", "value": "gone", "timestamp": now - 20},
        {"op": "delete", "key": "c", "timestamp": now - 10},
        {"op": "set", "key": "expired", "value": 1, "ttl": 10, "timestamp": now - 100},
        {"op": "set", "key": "alive", "value": 1, "ttl": 1000, "timestamp": now - 100},
        {"op": "set", "key": "frac", "value": 1, "ttl": 99.5, "timestamp": now - 100},
        {"op": "set", "key": "ttl-removed", "value": 1, "ttl": 5, "timestamp": now - 100},
        {"op": "set", "key": "ttl-removed", "value": 2, "timestamp": now - 99},
        {"op": "set", "key": "ключ/😀", "value": "ü", "timestamp": now - 5},
    ])
    srv.start()
    assert_state(srv, {"a": 2, "b": {"x": [1, 2, None]}, "c": MISSING, "expired": MISSING, "alive": 1,
                       "frac": MISSING, "ttl-removed": 2, "ключ/😀": "ü"})
    assert srv.get_key("big").content.decode().count("12345678901234567890123") == 1
    from decimal import Decimal
    assert srv.value_of("dec") == Decimal("0.1")
    assert srv.value_of("inf") == Decimal("1e400")
    assert srv.list_keys() == sorted(["a", "b", "big", "dec", "inf", "alive", "ttl-removed", "ключ/😀"],
                                     key=lambda k: k.encode())
    assert f"replayed=" in srv.log()
    # and it keeps appending to the foreign log
    assert srv.put_key("new", 1).status_code == 200
    assert srv.restart()
    assert srv.value_of("new") == 1 and srv.value_of("a") == 2


def test_foreign_log_default_python_json_formatting(server_factory):
    # another implementation writing with json.dumps defaults (spaces, \\u escapes)
    srv = server_factory(start=False)
    now = time.time()
    lines = [json.dumps(r) for r in [
        {"op": "set", "key": "k1", "value": "é😀", "timestamp": now - 3},
        {"op": "set", "key": "😀", "value": [1, {"a": None}], "timestamp": now - 2},
        {"op": "delete", "key": "k1", "timestamp": now - 1},
    ]]
    write_wal(srv, lines)
    srv.start()
    assert_state(srv, {"k1": MISSING, "😀": [1, {"a": None}]})


def test_foreign_batch_framing_without_crc(server_factory):
    srv = server_factory(start=False)
    now = time.time()
    write_wal(srv, [
        {"op": "set", "key": "x", "value": 0, "timestamp": now - 10},
        {"op": "begin", "count": 3, "timestamp": now - 9},
        {"op": "set", "key": "x", "value": 1, "timestamp": now - 9},
        {"op": "set", "key": "y", "value": 1, "timestamp": now - 9},
        {"op": "delete", "key": "z", "timestamp": now - 9},
        {"op": "commit", "count": 3, "timestamp": now - 9},
    ])
    srv.start()
    assert_state(srv, {"x": 1, "y": 1, "z": MISSING})


def test_unterminated_batch_at_end_not_applied(server_factory):
    srv = server_factory(start=False)
    now = time.time()
    write_wal(srv, [
        {"op": "set", "key": "a", "value": "before", "timestamp": now - 10},
        {"op": "begin", "count": 2, "timestamp": now - 5},
        {"op": "set", "key": "a", "value": "in-batch", "timestamp": now - 5},
        {"op": "set", "key": "b", "value": "in-batch", "timestamp": now - 5},
    ])
    srv.start()
    assert_state(srv, {"a": "before", "b": MISSING})
    assert "warn" in srv.log().lower(), srv.log()
    # new writes after the cut must not resurrect the half batch on the next replay
    assert srv.put_key("c", 1).status_code == 200
    srv.restart()
    assert_state(srv, {"a": "before", "b": MISSING, "c": 1})


def test_torn_last_line_cut_with_warning(server):
    for i in range(5):
        assert server.put_key(f"k{i}", i).status_code == 200
    assert server.stop() == 0
    with open(server.wal, "ab") as f:
        f.write(b'{"op":"set","key":"x"')
    server.start()
    log = server.log()
    assert "warn" in log.lower(), log
    assert all(server.value_of(f"k{i}") == i for i in range(5))
    assert server.value_of("x") is MISSING
    # the torn tail was really cut: later writes replay cleanly
    assert server.put_key("after", "ok").status_code == 200
    server.restart()
    assert server.value_of("after") == "ok"
    assert all(server.value_of(f"k{i}") == i for i in range(5))


def test_torn_last_line_complete_json_but_no_newline_or_bad_crc(server):
    assert server.put_key("k", 1).status_code == 200
    assert server.stop() == 0
    with open(server.wal, "ab") as f:
        f.write(b'{"op":"set","key":"x","value":1,"timestamp":1.0,"crc":"00000000"}')
    server.start()
    assert server.value_of("k") == 1
    assert server.value_of("x") is MISSING


def test_trailing_nul_bytes_cut(server):
    assert server.put_key("k", "v").status_code == 200
    assert server.stop() == 0
    with open(server.wal, "ab") as f:
        f.write(b"\x00" * 4096)
    server.start()
    assert server.value_of("k") == "v"
    assert server.put_key("k2", "v2").status_code == 200
    server.restart()
    assert server.value_of("k") == "v" and server.value_of("k2") == "v2"


def _make_three_line_log(server):
    for k in ("a", "b", "c"):
        assert server.put_key(k, k * 3).status_code == 200
    assert server.stop() == 0
    lines = server.wal.read_bytes().split(b"\n")
    assert len(lines) == 4 and lines[3] == b""
    return lines


def test_damaged_middle_line_stops_start(server, run_cli):
    lines = _make_three_line_log(server)
    lines[1] = lines[1][:10] + b"#garbage#" + lines[1][10:]
    damaged = b"\n".join(lines)
    server.wal.write_bytes(damaged)
    res = run_cli(["--port", str(server.port), "--data-dir", str(server.data_dir)], timeout=20)
    assert not res.timed_out, "server started despite a damaged line in the middle of the log"
    assert res.returncode != 0
    assert res.returncode == 1, res
    err = res.stderr
    assert "wal.log" in err, err
    assert re.search(r"line\D{0,3}2\b", err, re.I), f"line number 2 not named: {err}"
    assert "--repair" in err, err
    assert "Exception" not in err and "\tat " not in err, err
    assert server.wal.read_bytes() == damaged, "the log was modified by a failed start"


def test_crc_mismatch_in_middle_stops_start(server, run_cli):
    lines = _make_three_line_log(server)
    if b'"crc"' not in lines[0]:
        pytest.skip("log lines carry no crc")
    lines[0] = lines[0].replace(b'"aaa"', b'"aab"')  # still valid JSON, wrong crc
    damaged = b"\n".join(lines)
    server.wal.write_bytes(damaged)
    res = run_cli(["--port", str(server.port), "--data-dir", str(server.data_dir)], timeout=20)
    assert not res.timed_out and res.returncode != 0, res
    assert "wal.log" in res.stderr and re.search(r"line\D{0,3}1\b", res.stderr, re.I), res.stderr
    assert server.wal.read_bytes() == damaged


def test_repair_cuts_at_first_bad_record(server):
    lines = _make_three_line_log(server)
    lines[1] = b"not json at all"
    server.wal.write_bytes(b"\n".join(lines))
    server.args = ["--repair"]
    server.start()
    assert server.value_of("a") == "aaa"
    assert server.value_of("b") is MISSING
    assert server.value_of("c") is MISSING
    assert list(server.data_dir.glob("wal.log.broken-*")), list(server.data_dir.iterdir())
    server.args = []
    assert server.put_key("d", 1).status_code == 200
    server.restart()
    assert server.value_of("a") == "aaa" and server.value_of("d") == 1


def test_startup_log_line(server):
    for i in range(3):
        assert server.put_key(f"k{i}", i).status_code == 200
    assert server.del_key("k0").status_code == 200
    server.restart()
    log = server.log()
    assert f"listening on http://127.0.0.1:{server.port}" in log, log
    assert "data_dir=" in log and "fsync=always" in log, log
    assert "replayed=4" in log, log
    assert "live_keys=2" in log, log
    assert re.search(r"replay_ms=\d", log), log


# ------------------------------------------------------------------ compaction
def test_compaction_shrinks_log_and_keeps_data(server_factory):
    srv = server_factory(args=["--compact-min-bytes", "4KiB", "--compact-ratio", "1.5"])
    for start in range(0, 400, 20):  # 400 overwrites of 5 keys, 20 per batch
        ops = [{"op": "set", "key": f"hot{i % 5}", "value": {"i": i, "pad": "p" * 40}} for i in range(start, start + 20)]
        assert srv.batch(ops).status_code == 200
    for i in range(20):  # and single writes too
        assert srv.put_key(f"hot{i % 5}", {"i": 400 + i, "pad": "p" * 40}).status_code == 200
    assert srv.put_key("cold", [1, 2, 3]).status_code == 200
    assert srv.put_key("ttl", "t", ttl=100000).status_code == 200
    assert srv.put_key("dead", "d").status_code == 200
    assert srv.del_key("dead").status_code == 200
    wait_until(lambda: srv.stats()["compactions"] >= 1, timeout=15, msg="a compaction")
    st = srv.stats()
    assert st["wal_bytes"] < 420 * 60, st
    assert st["wal_bytes"] == srv.wal.stat().st_size
    expected = {f"hot{j}": {"i": 415 + j, "pad": "p" * 40} for j in range(5)}
    expected.update({"cold": [1, 2, 3], "ttl": "t", "dead": MISSING})
    assert_state(srv, expected)
    srv.restart()
    assert_state(srv, expected)
    assert srv.list_keys() == sorted(["cold", "ttl"] + [f"hot{j}" for j in range(5)])
