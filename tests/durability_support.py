"""Helpers for the durability tests (test_durability_*.py): processes, WAL lines, a writer model.

Self-contained on purpose (conftest.py belongs to another suite): every process started here is
tracked by the `kv_procs` fixture and stopped by its PID on teardown.
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
JAR = Path(os.environ.get("KVSTORE_JAR") or REPO / "kvstore-netty" / "target" / "kvstore.jar")
# JVM flags only shorten start-up; they do not change server behaviour.
JAVA_OPTS = os.environ.get("KVSTORE_TEST_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").split()
TIMEOUT = 10  # seconds, every HTTP call
START_TIMEOUT = 20
_SCRUB = {"PORT", "DATA_DIR", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"}


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


def wal_lines(path):
    data = Path(path).read_bytes()
    assert data == b"" or data.endswith(b"\n"), f"{path} does not end with a newline: {data[-80:]!r}"
    return data.split(b"\n")[:-1]


def check_log_replayable(path):
    """Every line of the log is a JSON object with a valid crc, batches are framed: what a replay needs."""
    open_batch = None
    for n, line in enumerate(wal_lines(path), 1):
        why = check_line_crc(line)
        assert why is None, f"{path} line {n}: {why}: {line[:200]!r}"
        rec = json.loads(line)
        assert isinstance(rec, dict) and rec.get("op") in ("set", "delete", "begin", "commit"), (n, line[:200])
        if rec["op"] == "begin":
            assert open_batch is None, f"line {n}: begin inside a batch"
            open_batch = [rec["count"], 0]
        elif rec["op"] == "commit":
            assert open_batch is not None and open_batch == [rec["count"], rec["count"]], f"line {n}: bad commit"
            open_batch = None
        elif open_batch is not None:
            open_batch[1] += 1
    assert open_batch is None, f"{path} ends inside a batch"


# ---------------------------------------------------------------------------- processes
def java_bin():
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


def require_jar():
    if not JAR.is_file():
        pytest.fail(f"kvstore jar not found at {JAR}; build it with `cd {REPO} && mvn -q -B package -DskipTests`",
                    pytrace=False)
    return JAR


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout=10.0, interval=0.02, msg="condition"):
    deadline = time.monotonic() + timeout
    while True:
        last = cond()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {msg} (last={last!r})")
        time.sleep(interval)


class KvProc:
    """A kvstore process on data_dir; a new port and stderr file for every start."""

    def __init__(self, workdir, data_dir, args=(), env=None, registry=None):
        self.workdir = Path(workdir)
        self.data_dir = Path(data_dir)
        self.args = [str(a) for a in args]
        self.env = dict(env or {})
        self.registry = registry if registry is not None else []
        self.proc = None
        self.port = None
        self.starts = 0
        self.err_path = None
        self.session = requests.Session()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def wal(self):
        return self.data_dir / "wal.log"

    @property
    def pid(self):
        return self.proc.pid

    def spawn(self, extra_args=(), env=None):
        """Starts the process without waiting for readiness."""
        require_jar()
        assert not self.running(), "already running"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        self.port = free_port()
        self.err_path = self.workdir / f"kvstore-{self.starts}.stderr"
        environ = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("KVSTORE_")}
        environ.update({k: str(v) for k, v in (self.env if env is None else env).items()})
        cmd = [java_bin(), *JAVA_OPTS, "-jar", str(JAR), "--port", str(self.port),
               "--data-dir", str(self.data_dir), *self.args, *[str(a) for a in extra_args]]
        with open(self.err_path, "wb") as err, open(self.workdir / f"kvstore-{self.starts}.stdout", "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=str(self.workdir), env=environ)
        self.registry.append(self.proc)
        self.session.close()
        self.session = requests.Session()
        return self

    def start(self, extra_args=(), env=None, timeout=START_TIMEOUT):
        for attempt in range(3):
            self.spawn(extra_args, env)
            try:
                self.wait_ready(timeout)
                return self
            except AssertionError:
                if self.proc.poll() is not None and attempt < 2 and "in use" in self.stderr().lower():
                    continue  # the free port was taken meanwhile
                raise
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"kvstore exited with {self.proc.returncode} during start-up; "
                                     f"stderr:\n{self.stderr()}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.kill9()
                raise AssertionError(f"kvstore not ready after {timeout}s; stderr:\n{self.stderr()}")
            time.sleep(0.03)

    def run_to_exit(self, extra_args=(), env=None, timeout=20):
        """Starts a process that is expected to exit by itself (e.g. a refused start); returns its exit code."""
        self.spawn(extra_args, env)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"kvstore still running after {timeout}s; stderr:\n{self.stderr()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL by PID, then reap."""
        if self.running():
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def term(self, timeout=10):
        """SIGTERM by PID; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def stderr(self):
        try:
            return self.err_path.read_text("utf-8", "replace") if self.err_path else ""
        except FileNotFoundError:
            return ""

    def all_stderr(self):
        return "".join(f"--- {p.name}\n" + p.read_text("utf-8", "replace")
                       for p in sorted(self.workdir.glob("kvstore-*.stderr")))

    # HTTP
    def req(self, method, path, **kw):
        kw.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url + path, **kw)

    def put(self, key, value, ttl=None):
        body = {"value": value}
        if ttl is not None:
            body["ttl"] = ttl
        return self.req("PUT", "/kv/" + key, data=compact(body), headers={"Content-Type": "application/json"})

    def get(self, key):
        return self.req("GET", "/kv/" + key)

    def delete(self, key):
        return self.req("DELETE", "/kv/" + key)

    def batch(self, ops):
        return self.req("POST", "/kv/batch", data=compact({"operations": ops}),
                        headers={"Content-Type": "application/json"})

    def value(self, key):
        r = self.get(key)
        if r.status_code == 404:
            return ABSENT
        assert r.status_code == 200, (key, r.status_code, r.text)
        return r.json()["value"]

    def keys(self, prefix):
        r = self.req("GET", "/kv", params={"prefix": prefix})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["keys"]

    def stats(self):
        r = self.req("GET", "/stats")
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()


@pytest.fixture
def kv_procs(tmp_path):
    """kv_procs(name, data_dir=None, args=(), env=None) -> KvProc (not started). All are stopped by PID afterwards."""
    registry = []
    made = []

    def make(name="srv", data_dir=None, args=(), env=None):
        workdir = tmp_path / name
        p = KvProc(workdir, data_dir or (tmp_path / name / "data"), args=args, env=env, registry=registry)
        made.append(p)
        return p

    try:
        yield make
    finally:
        for proc in registry:
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        for p in made:
            p.session.close()


# ---------------------------------------------------------------------------- writer model
class _Absent:
    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


class Writer(threading.Thread):
    """One client thread that owns its keys, so the expected state of each of them follows from the
    acknowledged responses.  Does PUTs, DELETEs and atomic batches (sets of a group of keys to one token,
    plus a delete of one of its plain keys) until stop is set or a request fails (the server died): that
    last request is then "in flight" and recorded in self.uncertain as {key: new state}.

    self.state is the known state of every owned key: the confirmed value or ABSENT.
    """

    def __init__(self, name, url, plain_keys, groups, state, tag, value_bytes=(20, 200), ttl_chance=0.0,
                 weights=(6, 2, 2), seed=None):
        super().__init__(name=name, daemon=True)
        self.url = url
        self.plain = list(plain_keys)
        self.groups = [list(g) for g in groups]
        self.state = state  # shared dict key -> value/ABSENT, only this thread touches its own keys
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

                    def send():
                        return s.put(f"{self.url}/kv/{key}", data=compact({"value": val}),
                                     headers={"Content-Type": "application/json"}, timeout=TIMEOUT)

                    def check(r):
                        if r.status_code != 200:
                            return f"PUT {key}: {r.status_code} {r.text[:200]}"
                        b = r.json()
                        if b.get("success") is not True or b.get("value") != val or \
                                b.get("created") is not (self.state[key] is ABSENT):
                            return f"PUT {key}: unexpected body {b!r} (known state {self.state[key]!r})"
                        return None
                elif kind == "delete":
                    key = self.rng.choice(self.plain)
                    changes = {key: ABSENT}
                    present = self.state[key] is not ABSENT

                    def send():
                        return s.delete(f"{self.url}/kv/{key}", timeout=TIMEOUT)

                    def check(r):
                        want = 200 if present else 404
                        if r.status_code != want:
                            return f"DELETE {key}: {r.status_code} {r.text[:200]} (expected {want})"
                        return None
                else:
                    group = self.rng.choice(self.groups)
                    self.seq += 1
                    token = {"batch": f"{self.tag}-{self.name}-{self.seq}", "size": len(group)}
                    victim = self.rng.choice(self.plain)
                    ops = [{"op": "set", "key": k, "value": token} for k in group]
                    ops.append({"op": "delete", "key": victim})
                    changes = {k: token for k in group}
                    changes[victim] = ABSENT

                    def send():
                        return s.post(f"{self.url}/kv/batch", data=compact({"operations": ops}),
                                      headers={"Content-Type": "application/json"}, timeout=TIMEOUT)

                    def check(r):
                        if r.status_code != 200:
                            return f"batch: {r.status_code} {r.text[:200]}"
                        b = r.json()
                        if b.get("success") is not True or len(b.get("results", [])) != len(ops):
                            return f"batch: unexpected body {b!r}"
                        return None
                try:
                    r = send()
                except requests.RequestException as e:
                    # No answer: the write may or may not have been applied.
                    self.uncertain = {"kind": kind, "changes": changes, "error": repr(e)[:200]}
                    return
                why = check(r)
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
    """Writers owning keys <prefix><t>-k<j> and <prefix><t>-g<g>-<m>; state gets ABSENT for unseen keys."""
    writers = []
    for t in range(n_threads):
        plain = [f"{key_prefix}{t}-k{j}" for j in range(plain_per_thread)]
        groups = [[f"{key_prefix}{t}-g{g}-{m}" for m in range(group_size)] for g in range(groups_per_thread)]
        for k in plain + [k for g in groups for k in g]:
            state.setdefault(k, ABSENT)
        writers.append(Writer(f"{key_prefix}{t}", url, plain, groups, state, tag, **kw))
    return writers


def verify_after_restart(srv, state, writers, key_prefix):
    """Reads every owned key from srv and checks it against state and the writers' in-flight writes.

    Returns (report, problems). Acknowledged state must be there exactly; an in-flight write may be
    applied or not, but all of its keys together (a batch is all or none). Afterwards state holds the
    values actually read, so the next round starts from the recovered state.
    """
    actual = {k: srv.value(k) for k in state}
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
            what = "acknowledged delete came back" if want is ABSENT else "acknowledged write lost"
            problems.append(f"{what}: key {k!r}: acknowledged {want!r}, recovered {actual[k]!r}")
    listed = set(srv.keys(key_prefix))
    present = {k for k, v in actual.items() if v is not ABSENT}
    if listed != present:
        problems.append(f"listing disagrees with GETs: only listed {sorted(listed - present)}, "
                        f"only by GET {sorted(present - listed)}")
    state.update(actual)
    report = {"keys_verified": len(actual) - len(uncertain_keys), "in_flight": in_flight,
              "in_flight_applied": applied, "lost": lost}
    return report, problems
