"""Restart and shutdown: data kept across SIGTERM/SIGINT, TTLs across restarts, fsync policies, the data dir,
the start-up line.  Log damage and other writers' logs: test_durability_log.py; kill -9: test_durability_crash.py;
compaction: test_durability_compaction.py."""
import re
import signal
import threading
import time

import pytest
import requests

from conftest import MISSING, TIMEOUT, jloads, wait_until


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
    assert rc == 0, server.stderr()
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
    assert rc == 0, server.stderr()
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
    assert rc == 0, server.stderr()
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


# ------------------------------------------------------------------ fsync policies
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


# ------------------------------------------------------------------ data dir and start-up
def test_data_dir_created_when_missing(server_factory, tmp_path):
    d = tmp_path / "deep" / "er" / "data"
    srv = server_factory(data_dir=d)
    assert srv.put_key("k", 1).status_code == 200
    assert (d / "wal.log").is_file()
    assert (d / "wal.log").stat().st_size > 0


def test_startup_log_line(server):
    for i in range(3):
        assert server.put_key(f"k{i}", i).status_code == 200
    assert server.del_key("k0").status_code == 200
    server.restart()
    log = server.stderr()
    assert f"listening on http://127.0.0.1:{server.port}" in log, log
    assert "data_dir=" in log and "fsync=always" in log, log
    assert "replayed=4" in log, log
    assert "live_keys=2" in log, log
    assert re.search(r"replay_ms=\d", log), log
