"""The log on disk: its lines and checksums, damage and --repair (issue 3 items 1 and 2), logs written by
other implementations.  Each kind of damage is tested here once.

A base log is written once by a real server (single writes, a batch, a delete); each damage test copies it
into a fresh data dir, damages it and starts the server on it.
"""
import json
import re
import time
from decimal import Decimal

import pytest

from conftest import MISSING, Server, wait_until
from durability_support import (VERSION_MARK, check_line_crc, check_log_replayable, split_repair_mark, wal_line,
                                without_mark)

BASE_WRITES = [
    ("put", "k1", "value-1"),
    ("put", "k2", {"n": 2, "list": [1, 2, 3]}),
    ("put", "k3", "value-3"),
    ("batch", {"b1": "tok", "b2": "tok", "b3": "tok"}),
    ("delete", "k2"),
    ("put", "k4", 12345678901234567890123),
    ("put", "k5", "value-5"),
]
# line numbers (1-based) of the base log: 1 k1, 2 k2, 3 k3, 4 begin, 5-7 b1-b3, 8 commit, 9 delete k2, 10 k4, 11 k5
ALL_KEYS = ["k1", "k2", "k3", "k4", "k5", "b1", "b2", "b3"]


def expected_state(upto_line):
    """State after replaying the base log's lines 1..upto_line (batches only when committed)."""
    st = {k: MISSING for k in ALL_KEYS}
    line = 0
    for w in BASE_WRITES:
        if w[0] == "batch":
            line += len(w[1]) + 2
            if line <= upto_line:
                st.update(w[1])
        else:
            line += 1
            if line <= upto_line:
                st[w[1]] = w[2] if w[0] == "put" else MISSING
    return st


@pytest.fixture(scope="module")
def base_log(tmp_path_factory):
    """Bytes of a log written by the server for BASE_WRITES (the server stopped with SIGTERM)."""
    work = tmp_path_factory.mktemp("baselog")
    srv = Server(work)
    try:
        srv.start()
        for w in BASE_WRITES:
            if w[0] == "put":
                r = srv.put_key(w[1], w[2])
            elif w[0] == "delete":
                r = srv.del_key(w[1])
            else:
                r = srv.batch([{"op": "set", "key": k, "value": v} for k, v in w[1].items()])
            assert r.status_code == 200, (w, r.status_code, r.text)
        assert srv.stop() == 0, srv.stderr()
        data = srv.wal.read_bytes()
    finally:
        srv.close()  # SIGKILL by PID if it still runs
    assert data.startswith(VERSION_MARK), data[:100]
    # The records only: damaged copies of them are logs without a mark, as earlier versions wrote them.
    data = without_mark(data)
    lines = data.split(b"\n")[:-1]
    assert len(lines) == 11, f"unexpected base log layout:\n{data.decode()}"
    return data


def offsets(data):
    """Byte offset of each line (index 0 = line 1)."""
    out, at = [], 0
    for line in data.split(b"\n")[:-1]:
        out.append(at)
        at += len(line) + 1
    return out


def check_state(srv, want):
    got = {k: srv.value_of(k) for k in want}
    assert got == want, f"recovered {got!r}\nexpected {want!r}\nstderr:\n{srv.stderr()}"


def prepared(kv_procs, name, data):
    """A server (not started) whose data dir holds data as its log."""
    srv = kv_procs(name)
    srv.data_dir.mkdir(parents=True)
    srv.wal.write_bytes(data)
    return srv


def log_of(records):
    """Log bytes without checksums: dicts as compact JSON lines, str lines as they are."""
    return b"".join(r.encode("utf-8") + b"\n" if isinstance(r, str) else wal_line(r, crc=False) for r in records)


def no_stack_trace(text):
    assert "Exception" not in text and "\tat " not in text, f"stack trace on stderr:\n{text}"


# ---------------------------------------------------------------------------- checksums
def test_server_writes_crc32c_on_every_line(kv_procs, base_log):
    lines = base_log.split(b"\n")[:-1]
    for n, line in enumerate(lines, 1):
        assert check_line_crc(line) is None, f"line {n}: {check_line_crc(line)}: {line!r}"
        rec = json.loads(line)
        assert list(rec)[-1] == "crc", f"line {n}: crc is not the last member: {line!r}"
    recs = [json.loads(x) for x in lines]
    assert [r["op"] for r in recs] == ["set", "set", "set", "begin", "set", "set", "set", "commit",
                                       "delete", "set", "set"], recs
    assert recs[3]["count"] == 3 and recs[7]["count"] == 3
    # The server's writes and a hand-made line with our CRC-32C agree: the line for k1 is reproducible.
    body = dict(recs[0])
    del body["crc"]
    assert wal_line(body).rstrip(b"\n") == lines[0]


def test_wal_lines_are_json_with_valid_crc(server):
    assert server.put_key("a", {"v": [1, 2]}, ttl=1000.5).status_code == 200
    assert server.put_key("b", "x").status_code == 200
    assert server.del_key("b").status_code == 200
    assert server.batch([{"op": "set", "key": "c", "value": 1}, {"op": "delete", "key": "a"}]).status_code == 200
    data = server.wal.read_bytes()
    assert data.startswith(VERSION_MARK), f"the log does not start with the version mark: {data[:100]!r}"
    lines = without_mark(data).split(b"\n")
    assert lines[-1] == b"", "log must end with a newline"
    recs = []
    for line in lines[:-1]:
        rec = json.loads(line)
        recs.append(rec)
        assert isinstance(rec["timestamp"], (int, float))
        assert check_line_crc(line) is None and list(rec)[-1] == "crc", (check_line_crc(line), line)
    ops = [r["op"] for r in recs]
    assert ops == ["set", "set", "delete", "begin", "set", "delete", "commit"], ops
    assert recs[0]["key"] == "a" and recs[0]["value"] == {"v": [1, 2]} and recs[0]["ttl"] == 1000.5
    assert "ttl" not in recs[1]
    assert recs[3]["count"] == 2 and recs[6]["count"] == 2
    assert abs(recs[0]["timestamp"] - time.time()) < 600


# ---------------------------------------------------------------------------- damaged last line
def _torn_tails(base):
    good = wal_line({"op": "set", "key": "torn", "value": "never acknowledged", "timestamp": time.time()})
    return {
        "bad-crc": wal_line({"op": "set", "key": "torn", "value": "x", "timestamp": time.time()}, bad_crc=True),
        "bad-crc-no-newline": wal_line({"op": "set", "key": "torn", "value": "x", "timestamp": time.time()},
                                       bad_crc=True).rstrip(b"\n"),
        "partial-line": good[: len(good) // 2],
        "garbage": b"\x01\x02garbage\xff\n",
        "nul-tail": b"\0" * 4096,
        "partial-then-nuls": good[:20] + b"\0" * 1000,
        # a batch without its commit that also overwrites k1: k1 keeps its value from before the batch
        "unterminated-batch": (wal_line({"op": "begin", "count": 3, "timestamp": time.time()})
                               + wal_line({"op": "set", "key": "torn", "value": 1, "timestamp": time.time()})
                               + wal_line({"op": "set", "key": "k1", "value": "in-batch", "timestamp": time.time()})
                               + wal_line({"op": "set", "key": "torn2", "value": 2, "timestamp": time.time()})),
        # a whole batch whose commit line (the last line) is damaged: the batch has no valid commit
        "bad-crc-commit": (wal_line({"op": "begin", "count": 2, "timestamp": time.time()})
                           + wal_line({"op": "set", "key": "torn", "value": 1, "timestamp": time.time()})
                           + wal_line({"op": "set", "key": "torn2", "value": 2, "timestamp": time.time()})
                           + wal_line({"op": "commit", "count": 2, "timestamp": time.time()}, bad_crc=True)),
    }


@pytest.mark.parametrize("tail", list(_torn_tails(b"")))
def test_damaged_last_line_is_cut_with_warning(kv_procs, base_log, tail):
    srv = prepared(kv_procs, f"tail-{tail}", base_log + _torn_tails(base_log)[tail])
    srv.start()
    err = srv.stderr()
    warn = [ln for ln in err.splitlines() if "WARN" in ln.upper() and "wal.log" in ln]
    assert warn, f"no warning naming wal.log about the cut tail; stderr:\n{err}"
    assert any(f"byte offset {len(base_log)}" in ln for ln in warn), f"the warning does not say where the cut is:\n{err}"
    no_stack_trace(err)
    want = expected_state(11)
    want.update({"torn": MISSING, "torn2": MISSING})
    check_state(srv, want)
    assert srv.wal.read_bytes() == base_log, "the damaged tail was not cut back to the last good line"
    # The log goes on working: a new write after the cut replays next time.
    assert srv.put_key("after", "cut").status_code == 200
    assert srv.stop() == 0, srv.stderr()
    srv.start()
    want["after"] = "cut"
    check_state(srv, want)
    assert srv.stop() == 0
    check_log_replayable(srv.wal)


# ---------------------------------------------------------------------------- damaged line in the middle
def _damage_middle(base, kind):
    """(damaged bytes, damaged line number, offset of that line, offset where repair must cut)."""
    offs = offsets(base)
    lines = base.split(b"\n")[:-1]
    if kind == "bad-crc":
        n = 3
        assert b"value-3" in lines[n - 1]
        lines[n - 1] = lines[n - 1].replace(b"value-3", b"value-X")  # still valid JSON, checksum wrong
        cut = offs[n - 1]
    elif kind == "bad-crc-first-line":
        n = 1
        assert b"value-1" in lines[n - 1]
        lines[n - 1] = lines[n - 1].replace(b"value-1", b"value-X")
        cut = offs[n - 1]  # 0: repair leaves an empty log
    elif kind == "garbage":
        n = 3
        lines[n - 1] = b"this is not json at all"
        cut = offs[n - 1]
    elif kind == "garbage-inside-line":
        n = 2
        lines[n - 1] = lines[n - 1][:10] + b"#garbage#" + lines[n - 1][10:]
        cut = offs[n - 1]
    elif kind == "truncated":
        n = 3
        lines[n - 1] = lines[n - 1][:25]
        cut = offs[n - 1]
    elif kind == "inside-batch":
        n = 6  # b2, inside the committed batch of lines 4-8
        lines[n - 1] = lines[n - 1].replace(b'"tok"', b'"tak"')
        cut = offs[3]  # the batch's begin line: no half batch may stay
    else:
        raise ValueError(kind)
    return b"\n".join(lines) + b"\n", n, offs[n - 1], cut


@pytest.mark.parametrize("kind", ["bad-crc", "bad-crc-first-line", "garbage", "garbage-inside-line", "truncated",
                                  "inside-batch"])
def test_damaged_middle_line_stops_start_then_repair(kv_procs, base_log, kind):
    damaged, line_no, offset, cut = _damage_middle(base_log, kind)
    srv = prepared(kv_procs, f"mid-{kind}", damaged)

    # 1. Without --repair: refuse to start, say where and what to do, touch nothing.
    rc = srv.run_to_exit()
    err = srv.stderr()
    assert rc == 1, f"exit code {rc}, expected 1; stderr:\n{err}"
    no_stack_trace(err)
    lines = [ln for ln in err.splitlines()
             if "wal.log" in ln and re.search(rf"\bline\D{{0,3}}{line_no}\b", ln)
             and re.search(rf"\b{offset}\b", ln) and "offset" in ln.lower() and "--repair" in ln]
    assert lines, (f"no stderr line names wal.log, line {line_no}, byte offset {offset} and --repair; "
                   f"stderr:\n{err}")
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, f"expected one clear line on stderr:\n{err}"
    assert srv.wal.read_bytes() == damaged, "a refused start changed the log"
    assert not list(srv.data_dir.glob("wal.log.broken-*"))

    # 2. With --repair: copy kept, log cut at the first bad record, server starts.
    srv.start(extra_args=["--repair"])
    err = srv.stderr()
    no_stack_trace(err)
    copies = list(srv.data_dir.glob("wal.log.broken-*"))
    assert len(copies) == 1, f"expected one wal.log.broken-* copy, found {copies}; stderr:\n{err}"
    assert copies[0].read_bytes() == damaged, "the broken copy does not hold the original bytes"
    body, mark = split_repair_mark(srv.wal.read_bytes())
    now = without_mark(body)
    assert mark is not None and mark["revision"] >= _highest_revision(damaged[cut:]), \
        f"repair must go on past every revision it cut: {mark}"
    if kind == "inside-batch":
        # The damaged line is inside a batch: whatever the exact cut, the batch must not be half applied
        # and the log must end on a whole record.
        assert damaged.startswith(now) and len(now) <= offset, (len(now), offset)
        check_log_replayable(srv.wal)
        want = expected_state(3)
    else:
        assert now == damaged[:cut], f"log not cut at byte {cut}: now {len(now)} bytes"
        want = expected_state(line_no - 1)
    check_state(srv, want)

    # 3. The repaired log is a normal log again: writes, restart without --repair.
    assert srv.put_key("after-repair", [1, 2]).status_code == 200
    assert srv.stop() == 0, srv.stderr()
    srv.start()
    want["after-repair"] = [1, 2]
    check_state(srv, want)
    assert srv.stop() == 0


def _highest_revision(lines):
    """The highest "revision" of the readable lines in lines (0 when none carries one)."""
    highest = 0
    for line in lines.split(b"\n"):
        try:
            highest = max(highest, json.loads(line).get("revision", 0))
        except (ValueError, AttributeError):
            pass
    return highest


def test_repair_reports_dropped_records_and_bytes(kv_procs, base_log):
    """Issue 3 item 2: --repair "says how many records and bytes were dropped"."""
    damaged, line_no, offset, cut = _damage_middle(base_log, "bad-crc")
    srv = prepared(kv_procs, "repair-report", damaged)
    srv.start(extra_args=["--repair"])
    err = srv.stderr()
    assert without_mark(split_repair_mark(srv.wal.read_bytes())[0]) == damaged[:cut]
    dropped_records = damaged[cut:].count(b"\n")
    dropped_bytes = len(damaged) - cut
    assert re.search(rf"\b{dropped_records}\b\D{{0,20}}(record|line|write)|(record|line|write)s?\D{{0,20}}"
                     rf"\b{dropped_records}\b", err, re.I), \
        f"repair does not report the {dropped_records} dropped records; stderr:\n{err}"
    assert re.search(rf"\b{dropped_bytes}\b\s*(bytes?|B)\b|bytes?\D{{0,20}}\b{dropped_bytes}\b", err, re.I), \
        f"repair does not report the {dropped_bytes} dropped bytes; stderr:\n{err}"
    assert srv.stop() == 0


# ---------------------------------------------------------------------------- other implementations
def test_handwritten_log_without_crc_replays(kv_procs):
    now = time.time()
    raw = b"".join([
        wal_line({"op": "set", "key": "plain", "value": "hello", "timestamp": now - 50}, crc=False),
        # a big number written as raw JSON text: kept digit for digit
        b'{"op":"set","key":"big","value":12345678901234567890123,"timestamp":%d}\n' % int(now - 49),
        # another writer's style: spaces after separators, members in another order
        json.dumps({"key": "spaced", "value": {"a": [1, None, True]}, "timestamp": now - 47, "op": "set"}).encode()
        + b"\n",
        wal_line({"op": "set", "key": "ключ/🔑", "value": "ünïcødé", "timestamp": now - 46}, crc=False),
        wal_line({"op": "set", "key": "gone", "value": 1, "timestamp": now - 45}, crc=False),
        wal_line({"op": "delete", "key": "gone", "timestamp": now - 44}, crc=False),
        wal_line({"op": "set", "key": "expired", "value": 1, "ttl": 10, "timestamp": now - 43}, crc=False),
        wal_line({"op": "set", "key": "live-ttl", "value": 2, "ttl": 3600, "timestamp": now - 42}, crc=False),
        wal_line({"op": "begin", "count": 2, "timestamp": now - 41}, crc=False),
        wal_line({"op": "set", "key": "bt1", "value": None, "timestamp": now - 41}, crc=False),
        wal_line({"op": "set", "key": "bt2", "value": "", "timestamp": now - 41}, crc=False),
        wal_line({"op": "commit", "count": 2, "timestamp": now - 41}, crc=False),
        wal_line({"op": "set", "key": "mixed", "value": "with crc", "timestamp": now - 40}),  # crc lines mix in
    ])
    srv = prepared(kv_procs, "handwritten", raw)
    srv.start()
    want = {"plain": "hello", "big": 12345678901234567890123, "spaced": {"a": [1, None, True]},
            "gone": MISSING, "expired": MISSING, "live-ttl": 2, "bt1": None, "bt2": "", "mixed": "with crc"}
    check_state(srv, want)
    r = srv.get("/kv/" + "ключ/🔑")
    assert r.status_code == 200 and r.json()["value"] == "ünïcødé", (r.status_code, r.text)
    # The one key past its deadline is expired, a logged change: after the log as it was, a version mark (the lines
    # that follow are of this kvstore's version) and the expiry.
    wait_until(lambda: b'"op":"expire"' in srv.wal.read_bytes(), timeout=10, msg="the expiry logged")
    data = srv.wal.read_bytes()
    assert data.startswith(raw), "replay changed a whole, valid log"
    added = [json.loads(line) for line in data[len(raw):].splitlines()]
    assert [(r["op"], r.get("key")) for r in added] == [("format", None), ("expire", "expired")], added
    assert added[1]["revision"] == added[0]["revision"] + 1
    # appending to it keeps it replayable
    assert srv.put_key("appended", 3).status_code == 200
    assert srv.stop() == 0, srv.stderr()
    srv.start()
    want["appended"] = 3
    check_state(srv, want)
    assert srv.stop() == 0


def test_foreign_log_without_crc_replays(kv_procs):
    now = time.time()
    srv = prepared(kv_procs, "foreign", log_of([
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
    ]))
    srv.start()
    check_state(srv, {"a": 2, "b": {"x": [1, 2, None]}, "c": MISSING, "expired": MISSING, "alive": 1,
                      "frac": MISSING, "ttl-removed": 2, "ключ/😀": "ü"})
    assert srv.get_key("big").content.decode().count("12345678901234567890123") == 1
    assert srv.value_of("dec") == Decimal("0.1")
    assert srv.value_of("inf") == Decimal("1e400")
    assert srv.list_keys() == sorted(["a", "b", "big", "dec", "inf", "alive", "ttl-removed", "ключ/😀"],
                                     key=lambda k: k.encode())
    assert "replayed=" in srv.stderr()
    # and it keeps appending to the foreign log
    assert srv.put_key("new", 1).status_code == 200
    assert srv.restart()
    assert srv.value_of("new") == 1 and srv.value_of("a") == 2


def test_foreign_log_default_python_json_formatting(kv_procs):
    # another implementation writing with json.dumps defaults (spaces, \\u escapes)
    now = time.time()
    lines = [json.dumps(r) for r in [
        {"op": "set", "key": "k1", "value": "é😀", "timestamp": now - 3},
        {"op": "set", "key": "😀", "value": [1, {"a": None}], "timestamp": now - 2},
        {"op": "delete", "key": "k1", "timestamp": now - 1},
    ]]
    srv = prepared(kv_procs, "foreign-python-json", log_of(lines))
    srv.start()
    check_state(srv, {"k1": MISSING, "😀": [1, {"a": None}]})


def test_foreign_batch_framing_without_crc(kv_procs):
    now = time.time()
    srv = prepared(kv_procs, "foreign-batch", log_of([
        {"op": "set", "key": "x", "value": 0, "timestamp": now - 10},
        {"op": "begin", "count": 3, "timestamp": now - 9},
        {"op": "set", "key": "x", "value": 1, "timestamp": now - 9},
        {"op": "set", "key": "y", "value": 1, "timestamp": now - 9},
        {"op": "delete", "key": "z", "timestamp": now - 9},
        {"op": "commit", "count": 3, "timestamp": now - 9},
    ]))
    srv.start()
    check_state(srv, {"x": 1, "y": 1, "z": MISSING})
