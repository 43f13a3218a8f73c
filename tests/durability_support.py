"""Helpers for the durability tests (test_durability_*.py): WAL lines and their CRC-32C, and a writer model.

The servers are conftest.Server, made by the `kv_procs` fixture; absent keys are conftest's MISSING.
"""
import json
import random
import re
import threading
from pathlib import Path

import requests

from conftest import MISSING, TIMEOUT


# ---------------------------------------------------------------------------- CRC-32C
def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the standard check value of CRC-32C

_CRC_MEMBER = re.compile(rb',"crc":"([0-9a-f]{8})"')


def compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def wal_line(obj, crc=True, bad_crc=False) -> bytes:
    """One log line (with its newline) for obj; with crc, a last member "crc" over the rest of the line."""
    body = compact(obj)
    if not crc:
        return body + b"\n"
    value = crc32c(body)
    if bad_crc:
        value ^= 0x5A5A5A5A
    return body[:-1] + b',"crc":"%08x"}' % value + b"\n"


def check_line_crc(line: bytes):
    """None when line (without newline) carries a valid crc, else the reason."""
    m = None
    for m in _CRC_MEMBER.finditer(line):
        pass
    if m is None:
        return "no crc member"
    stripped = line[:m.start()] + line[m.end():]
    if crc32c(stripped) != int(m.group(1), 16):
        return f"crc {m.group(1).decode()} does not match {crc32c(stripped):08x}"
    return None


VERSION_MARK = wal_line({"op": "format", "version": 2, "revision": 0})  # the first line of every log the server makes


def is_mark(line: bytes) -> bool:
    """Whether line (without its newline) is a version mark."""
    try:
        rec = json.loads(line)
    except ValueError:
        return False
    return isinstance(rec, dict) and rec.get("op") == "format"


def without_mark(data: bytes) -> bytes:
    """The log's records: data less its first line when that is a version mark."""
    first, newline, rest = data.partition(b"\n")
    return rest if newline and is_mark(first) else data


def split_repair_mark(data: bytes):
    """(data less its last line, that line parsed) when the last line is the version mark --repair appends
    after the cut; (data, None) otherwise."""
    if not data.endswith(b"\n"):
        return data, None
    head, _, last = data[:-1].rpartition(b"\n")
    if last and is_mark(last):
        return (head + b"\n" if head else b""), json.loads(last)
    return data, None


def wal_lines(path):
    """The record lines of the log at path, after its version mark (if any); it must end with a newline."""
    data = Path(path).read_bytes()
    assert data == b"" or data.endswith(b"\n"), f"{path} does not end with a newline: {data[-80:]!r}"
    return without_mark(data).split(b"\n")[:-1]


def check_log_replayable(path):
    """After the version mark (if any), every line of the log is a JSON record with a valid crc, batches are
    framed: what a replay needs.  A later version mark (where the server went on writing a log of an older
    version, or where --repair raised the revision) may stand between records."""
    open_batch = None
    for n, line in enumerate(wal_lines(path), 1):
        why = check_line_crc(line)
        assert why is None, f"{path} line {n}: {why}: {line[:200]!r}"
        rec = json.loads(line)
        if isinstance(rec, dict) and rec.get("op") == "format":
            assert open_batch is None and rec.get("version") == 2, (n, line[:200])
            continue
        assert isinstance(rec, dict) and rec.get("op") in ("set", "delete", "expire", "begin", "commit"), (n, line[:200])
        if rec["op"] == "begin":
            assert open_batch is None, f"line {n}: begin inside a batch"
            open_batch = [rec["count"], 0]
        elif rec["op"] == "commit":
            assert open_batch is not None and open_batch == [rec["count"], rec["count"]], f"line {n}: bad commit"
            open_batch = None
        elif open_batch is not None:
            open_batch[1] += 1
    assert open_batch is None, f"{path} ends inside a batch"


# ---------------------------------------------------------------------------- writer model
class Writer(threading.Thread):
    """One client thread that owns its keys, so the expected state of each of them follows from the
    acknowledged responses.  Does PUTs, DELETEs and atomic batches (sets of a group of keys to one token,
    plus a delete of one of its plain keys) until stop is set or a request fails (the server died): that
    last request is then "in flight" and recorded in self.uncertain as {key: new state}.

    self.state is the known state of every owned key: the confirmed value or MISSING.
    """

    def __init__(self, name, url, plain_keys, groups, state, tag, value_bytes=(20, 200), ttl_chance=0.0,
                 weights=(6, 2, 2), seed=None):
        super().__init__(name=name, daemon=True)
        self.url = url
        self.plain = list(plain_keys)
        self.groups = [list(g) for g in groups]
        self.state = state  # shared dict key -> value/MISSING, only this thread touches its own keys
        self.tag = tag
        self.value_bytes = value_bytes
        self.weights = weights
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.uncertain = None
        self.errors = []
        self.acked = {"put": 0, "delete": 0, "batch": 0}
        self.seq = 0

    @property
    def total_acked(self):
        return sum(self.acked.values())

    def _value(self):
        self.seq += 1
        pad = "x" * self.rng.randint(*self.value_bytes)
        kind = self.rng.randrange(3)
        token = f"{self.tag}-{self.name}-{self.seq}"
        if kind == 0:
            return token + "-" + pad
        if kind == 1:
            return {"token": token, "n": self.seq, "pad": pad, "list": [1, "two", None, True]}
        return [token, self.seq, pad]

    def _send(self, s, method, path, body):
        """The request, with body (if any) as compact JSON."""
        kw = {} if body is None else {"data": compact(body), "headers": {"Content-Type": "application/json"}}
        return s.request(method, self.url + path, timeout=TIMEOUT, **kw)

    @staticmethod
    def _problem(r, what, status, body_ok):
        """None when r has the expected status and (if body_ok is given) an acceptable JSON body."""
        if r.status_code != status:
            return f"{what}: {r.status_code} {r.text[:200]} (expected {status})"
        if body_ok is not None and not body_ok(r.json()):
            return f"{what}: unexpected body {r.text[:200]}"
        return None

    def run(self):
        s = requests.Session()
        try:
            while not self.stop.is_set():
                kind = self.rng.choices(("put", "delete", "batch"), weights=self.weights)[0]
                if kind == "batch" and not self.groups:
                    kind = "put"
                if kind == "put":
                    key = self.rng.choice(self.plain)
                    val = self._value()
                    changes = {key: val}
                    created = self.state[key] is MISSING
                    what = f"PUT {key} (known state {self.state[key]!r})"
                    method, path, body, status = "PUT", f"/kv/{key}", {"value": val}, 200

                    def body_ok(b):
                        return b.get("success") is True and b.get("value") == val and b.get("created") is created
                elif kind == "delete":
                    key = self.rng.choice(self.plain)
                    changes = {key: MISSING}
                    what = f"DELETE {key}"
                    status = 404 if self.state[key] is MISSING else 200
                    method, path, body = "DELETE", f"/kv/{key}", None
                    body_ok = None
                else:
                    group = self.rng.choice(self.groups)
                    self.seq += 1
                    token = {"batch": f"{self.tag}-{self.name}-{self.seq}", "size": len(group)}
                    victim = self.rng.choice(self.plain)
                    ops = [{"op": "set", "key": k, "value": token} for k in group]
                    ops.append({"op": "delete", "key": victim})
                    changes = {k: token for k in group}
                    changes[victim] = MISSING
                    what = "batch"
                    method, path, body, status = "POST", "/kv/batch", {"operations": ops}, 200

                    def body_ok(b):
                        return b.get("success") is True and len(b.get("results", [])) == len(ops)
                try:
                    r = self._send(s, method, path, body)
                except requests.RequestException as e:
                    # No answer: the write may or may not have been applied.
                    self.uncertain = {"kind": kind, "changes": changes, "error": repr(e)[:200]}
                    return
                why = self._problem(r, what, status, body_ok)
                if why:
                    self.errors.append(why)
                    self.uncertain = {"kind": kind, "changes": changes, "error": why}
                    return
                self.state.update(changes)
                self.acked[kind] += 1
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(f"writer crashed: {e!r}")
        finally:
            s.close()


def make_writers(url, n_threads, state, tag, plain_per_thread=6, groups_per_thread=2, group_size=3,
                 key_prefix="w", **kw):
    """Writers owning keys <prefix><t>-k<j> and <prefix><t>-g<g>-<m>; state gets MISSING for unseen keys."""
    writers = []
    for t in range(n_threads):
        plain = [f"{key_prefix}{t}-k{j}" for j in range(plain_per_thread)]
        groups = [[f"{key_prefix}{t}-g{g}-{m}" for m in range(group_size)] for g in range(groups_per_thread)]
        for k in plain + [k for g in groups for k in g]:
            state.setdefault(k, MISSING)
        writers.append(Writer(f"{key_prefix}{t}", url, plain, groups, state, tag, **kw))
    return writers


def verify_after_restart(srv, state, writers, key_prefix):
    """Reads every owned key from srv and checks it against state and the writers' in-flight writes.

    Returns (report, problems). Acknowledged state must be there exactly; an in-flight write may be
    applied or not, but all of its keys together (a batch is all or none). Afterwards state holds the
    values actually read, so the next round starts from the recovered state.
    """
    actual = {k: srv.value_of(k) for k in state}
    problems = []
    uncertain_keys = set()
    in_flight = 0
    applied = 0
    for w in writers:
        if not w.uncertain:
            continue
        in_flight += 1
        changes = w.uncertain["changes"]
        uncertain_keys.update(changes)
        is_new = all(actual[k] == v for k, v in changes.items())
        is_old = all(actual[k] == state[k] for k in changes)
        if is_new and not all(state[k] == v for k, v in changes.items()):
            applied += 1
        if not (is_new or is_old):
            detail = {k: {"acked_before": state[k], "in_flight": v, "recovered": actual[k]} for k, v in changes.items()}
            problems.append(f"in-flight {w.uncertain['kind']} of {w.name} is half applied / unknown: {detail!r}")
    lost = 0
    for k, want in state.items():
        if k in uncertain_keys:
            continue
        if actual[k] != want:
            lost += 1
            what = "acknowledged delete came back" if want is MISSING else "acknowledged write lost"
            problems.append(f"{what}: key {k!r}: acknowledged {want!r}, recovered {actual[k]!r}")
    listed = set(srv.list_keys(key_prefix))
    present = {k for k, v in actual.items() if v is not MISSING}
    if listed != present:
        problems.append(f"listing disagrees with GETs: only listed {sorted(listed - present)}, "
                        f"only by GET {sorted(present - listed)}")
    state.update(actual)
    report = {"keys_verified": len(actual) - len(uncertain_keys), "in_flight": in_flight,
              "in_flight_applied": applied, "lost": lost}
    return report, problems
