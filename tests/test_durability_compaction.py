"""Log compaction (issue 3 item 3): smaller log, same data, expired keys stay gone, writes during compaction
kept, and a crash at each injected point of compaction replays every acknowledged write."""
import json
import os
import signal
import time

import pytest

from conftest import MISSING, wait_until
from durability_support import check_log_replayable, make_writers, verify_after_restart, wal_lines

COMPACT_ARGS = ["--compact-min-bytes", "4KiB", "--compact-ratio", "1.5"]


def _expire(srv, keys, ttl):
    for k in keys:
        r = srv.put_key(k, {"expires": True}, ttl=ttl)
        assert r.status_code == 200, r.text
    wait_until(lambda: all(srv.get_key(k).status_code == 404 for k in keys), timeout=10, msg=f"{keys} to expire")


def _run_writers(srv, state, tag, until, timeout=30, n_threads=3, **kw):
    """Runs writer threads until until() is true (polled); returns the writers, stopped."""
    writers = make_writers(srv.url, n_threads, state, tag=tag, **kw)
    for w in writers:
        w.start()
    try:
        wait_until(lambda: until() or not all(w.is_alive() for w in writers), timeout=timeout, interval=0.02,
                   msg=tag)
    finally:
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(timeout=30)
    return writers


def test_compaction_shrinks_log_keeps_data_and_expiry(kv_procs):
    srv = kv_procs("compact", args=COMPACT_ARGS)
    srv.start()
    stable = {f"stable-{i}": {"i": i, "text": "s" * 50} for i in range(5)}
    for k, v in stable.items():
        assert srv.put_key(k, v).status_code == 200
    _expire(srv, [f"short-ttl-{i}" for i in range(3)], ttl=0.3)
    long_deadline = time.time() + 6
    assert srv.put_key("long-ttl", "lives 6 s", ttl=6).status_code == 200
    assert srv.stats()["compactions"] == 0
    written = [json.loads(x) for x in wal_lines(srv.wal)]
    original = [r for r in written if r.get("key") == "long-ttl"][-1]

    hot = {}
    peak = 0
    for n in range(20000):
        k = f"hot-{n % 4}"
        hot[k] = f"{n}-" + "h" * 200
        r = srv.put_key(k, hot[k])
        assert r.status_code == 200, r.text
        st = srv.stats()
        if st["compactions"] >= 1:
            break
        peak = max(peak, st["wal_bytes"])
    else:
        pytest.fail(f"no compaction after 20000 overwrites; stats {srv.stats()}; stderr:\n{srv.stderr()}")
    # the compaction has run; the log is now about the live data plus the writes made meanwhile
    st = srv.stats()
    assert peak > 4096
    assert st["wal_bytes"] < peak, f"wal_bytes did not shrink: peak {peak}, now {st['wal_bytes']}"
    assert st["wal_bytes"] == srv.wal.stat().st_size, (st, srv.wal.stat().st_size)

    want = dict(stable, **hot)
    want.update({f"short-ttl-{i}": MISSING for i in range(3)})
    assert {k: srv.value_of(k) for k in want} == want
    text = srv.wal.read_bytes()
    assert b"short-ttl" not in text, "expired keys were written into the compacted log"
    assert time.time() < long_deadline - 1, "the writes before the compaction took too long for this check"
    assert srv.value_of("long-ttl") == "lives 6 s"
    # the live TTL key keeps its absolute expiry in the compacted log: the same deadline, a shorter ttl
    recs = [json.loads(x) for x in wal_lines(srv.wal)]
    lt = [r for r in recs if r.get("key") == "long-ttl"]
    assert len(lt) == 1 and lt[0]["op"] == "set", lt
    assert abs(lt[0]["timestamp"] + lt[0]["ttl"] - (original["timestamp"] + original["ttl"])) < 0.002, (lt, original)
    assert lt[0]["ttl"] < original["ttl"], (lt, original)

    # restart: everything is there, expired keys stay gone
    assert srv.stop() == 0, srv.stderr()
    check_log_replayable(srv.wal)
    srv.start()
    assert {k: srv.value_of(k) for k in want} == want
    assert srv.stop() == 0
    # a TTL keeps counting while the server is down: restart after the deadline of the compacted entry
    time.sleep(max(0.0, long_deadline + 0.3 - time.time()))  # the server is down: nothing to poll
    srv.start()
    assert srv.value_of("long-ttl") is MISSING, "a key with a TTL came back after compaction + restart"
    assert {k: srv.value_of(k) for k in want} == want
    assert srv.stop() == 0


def test_writes_during_compaction_are_not_lost(kv_procs):
    srv = kv_procs("during", args=COMPACT_ARGS)
    srv.start()
    state = {}
    _expire(srv, ["ttl-a", "ttl-b"], ttl=0.2)

    # 1. Concurrent writers while the log is compacted again and again; nothing acknowledged may be lost.
    writers = _run_writers(srv, state, "live", until=lambda: srv.stats()["compactions"] >= 3)
    errors = [e for w in writers for e in w.errors] + [w.uncertain for w in writers if w.uncertain]
    assert not errors, f"writes failed during compaction: {errors}\nstderr:\n{srv.stderr()}"
    assert srv.stats()["compactions"] >= 3
    got = {k: srv.value_of(k) for k in state}
    assert got == state, "live state differs from acknowledged writes after compactions"
    assert srv.stop() == 0, srv.stderr()
    check_log_replayable(srv.wal)
    srv.start()
    report, problems = verify_after_restart(srv, state, [], key_prefix="w")
    assert not problems, "\n".join(problems) + "\n" + srv.all_stderr()
    assert srv.value_of("ttl-a") is MISSING and srv.value_of("ttl-b") is MISSING

    # 2. Same, but kill -9 once compactions are going on.
    def kill_after_two_compactions():
        if srv.stats()["compactions"] >= 2:
            os.kill(srv.pid, signal.SIGKILL)  # the writers keep requests in flight
            return True
        return False

    writers = _run_writers(srv, state, "kill", until=kill_after_two_compactions)
    srv.proc.wait(timeout=10)
    errors = [e for w in writers for e in w.errors]
    assert not errors, errors
    srv.start()
    report, problems = verify_after_restart(srv, state, writers, key_prefix="w")
    print(f"kill -9 during compactions: {report}")
    assert not problems, "\n".join(problems) + "\n" + srv.all_stderr()[-4000:]
    assert srv.value_of("ttl-a") is MISSING and srv.value_of("ttl-b") is MISSING
    assert srv.stop() == 0


@pytest.mark.parametrize("point", ["compaction-after-temp-written", "compaction-before-rename",
                                   "compaction-after-rename"])
def test_crash_during_compaction_replays_acknowledged_writes(kv_procs, point):
    srv = kv_procs(point, args=COMPACT_ARGS, env={"KVSTORE_CRASH_POINT": point})
    srv.start()
    state = {}
    _expire(srv, ["ttl-gone"], ttl=0.2)
    # few keys and small values: the first compaction comes after many overwrites, deletes and batches
    writers = _run_writers(srv, state, "crash", until=lambda: srv.proc.poll() is not None,
                           plain_per_thread=3, groups_per_thread=1, group_size=2, value_bytes=(5, 40))
    rc = srv.proc.wait(timeout=10)
    assert rc == 86, f"expected the crash hook's exit code 86, got {rc}; stderr:\n{srv.stderr()}"
    errors = [e for w in writers for e in w.errors]
    assert not errors, errors
    acked = sum(w.total_acked for w in writers)
    assert acked > 0

    # restart without the hook on the same dir: every write acknowledged before the crash replays
    srv.env = {}
    srv.start()
    report, problems = verify_after_restart(srv, state, writers, key_prefix="w")
    print(f"{point}: acked={acked} {report}")
    assert not problems, f"after crash at {point}:\n" + "\n".join(problems) + "\n" + srv.all_stderr()[-4000:]
    assert srv.value_of("ttl-gone") is MISSING, "an expired key came back after a crash during compaction"
    assert not (srv.wal.parent / "wal.log.compact").exists(), "the half-done compaction's temp file is left"

    # the directory is fully usable: a later compaction completes and its result replays
    writers = _run_writers(srv, state, "after", until=lambda: srv.stats()["compactions"] >= 1,
                           plain_per_thread=3, groups_per_thread=1, group_size=2, value_bytes=(5, 40))
    assert not [e for w in writers for e in w.errors] + [w.uncertain for w in writers if w.uncertain]
    assert srv.stop() == 0, srv.stderr()
    check_log_replayable(srv.wal)
    srv.start()
    report, problems = verify_after_restart(srv, state, [], key_prefix="w")
    assert not problems, "\n".join(problems)
    assert srv.value_of("ttl-gone") is MISSING
    assert srv.stop() == 0


def test_compaction_of_batches_keeps_data_deletes_and_listing(server_factory):
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
    assert {k: srv.value_of(k) for k in expected} == expected
    srv.restart()
    assert {k: srv.value_of(k) for k in expected} == expected
    assert srv.list_keys() == sorted(["cold", "ttl"] + [f"hot{j}" for j in range(5)])
