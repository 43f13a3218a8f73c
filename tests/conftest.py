"""Shared fixtures and helpers for the kvstore black-box test suite.

The server under test is the jar at <repo>/kvstore-netty/target/kvstore.jar
(override with the KVSTORE_JAR environment variable).  Every process started
here is tracked and stopped by PID when the owning fixture is torn down.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
JAR = Path(os.environ.get("KVSTORE_JAR") or REPO / "kvstore-netty" / "target" / "kvstore.jar")
# JVM flags only shorten start-up; they do not change server behaviour.
JAVA_OPTS = os.environ.get("KVSTORE_TEST_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").split()
TIMEOUT = 10  # seconds, for every network call
START_TIMEOUT = 15  # seconds to become ready

# Variables that would change the server's configuration or make the JVM print extra lines.
_SCRUB = {"PORT", "DATA_DIR", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"}

_ALL_PROCS = []  # safety net: every Popen we start


def java_bin():
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


def require_jar():
    if not JAR.is_file():
        pytest.fail(
            f"kvstore jar not found at {JAR}; build it first with "
            f"`cd {REPO} && mvn -q -B package -DskipTests`",
            pytrace=False,
        )
    return JAR


def base_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("KVSTORE_")}
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def java_cmd(args):
    return [java_bin(), *JAVA_OPTS, "-jar", str(require_jar()), *[str(a) for a in args]]


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def uid(prefix="t"):
    """A unique key prefix so tests sharing a server never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}-"


def enc(key):
    """Percent-encode a key as a single path segment (UTF-8)."""
    return quote(key, safe="")


def jloads(text):
    """Parse JSON keeping every digit (floats -> Decimal, ints -> int)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text, parse_float=Decimal)


def assert_json_error(resp, status=None):
    """resp: requests.Response or RawResponse. Asserts JSON {"error": "..."}."""
    if status is not None:
        assert resp.status_code == status, (resp.status_code, resp_text(resp))
    ct = resp.headers.get("content-type", "")
    assert "application/json" in ct.lower(), f"content-type {ct!r} body {resp_text(resp)!r}"
    body = jloads(resp_content(resp))
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    return body


def resp_content(resp):
    return resp.content if hasattr(resp, "content") else resp.body


def resp_text(resp):
    return resp_content(resp).decode("utf-8", "replace")


def wait_until(cond, timeout=10.0, interval=0.05, msg="condition"):
    """Poll cond() until truthy; return its value or fail after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = cond()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {msg} (last={last!r})")
        time.sleep(interval)


class ServerStartError(AssertionError):
    pass


class Server:
    """One kvstore process.  .url .port .data_dir .proc .log_path .stop() .kill() .restart()"""

    def __init__(self, workdir, args=(), env=None, data_dir=None, port=None, cwd=None,
                 host="127.0.0.1", pass_port=True, pass_data_dir=True):
        self.workdir = Path(workdir)
        self.args = [str(a) for a in args]
        self.env = dict(env or {})
        self.data_dir = Path(data_dir) if data_dir is not None else self.workdir / "data"
        self._auto_port = port is None and pass_port
        self.port = port if port is not None else free_port()
        self.cwd = str(cwd) if cwd is not None else str(self.workdir)
        self.host = host
        self.pass_port = pass_port
        self.pass_data_dir = pass_data_dir
        self.proc = None
        self.starts = 0
        self.log_path = None
        self.out_path = None
        self.session = requests.Session()

    # ---------------------------------------------------------------- process
    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def command(self):
        a = []
        if self.pass_port:
            a += ["--port", str(self.port)]
        if self.pass_data_dir:
            a += ["--data-dir", str(self.data_dir)]
        return java_cmd(a + self.args)

    def _spawn(self):
        self.starts += 1
        self.log_path = self.workdir / f"server-{self.port}-{self.starts}.stderr"
        self.out_path = self.workdir / f"server-{self.port}-{self.starts}.stdout"
        with open(self.log_path, "wb") as err, open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=self.cwd, env=base_env(self.env))
        _ALL_PROCS.append(self.proc)

    def start(self, timeout=START_TIMEOUT):
        self.workdir.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            self._spawn()
            try:
                self.wait_ready(timeout)
                return self
            except ServerStartError:
                log = self.log()
                if self._auto_port and self.proc.poll() is not None and attempt < 2 and (
                        "in use" in log.lower() or "bind" in log.lower()):
                    self.port = free_port()
                    continue
                raise
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"kvstore exited with {self.proc.returncode} during start-up; stderr:\n{self.log()}")
            try:
                r = requests.get(self.url + "/stats", timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerStartError(f"kvstore not ready after {timeout}s; stderr:\n{self.log()}")
            time.sleep(0.05)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Send sig (SIGTERM), wait, return the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            return None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def restart(self, timeout=START_TIMEOUT):
        if self.running():
            rc = self.stop()
            assert rc == 0, f"SIGTERM exit code {rc}; stderr:\n{self.log()}"
        self.session.close()
        self.session = requests.Session()
        return self.start(timeout)

    def log(self):
        try:
            return self.log_path.read_text("utf-8", "replace") if self.log_path else ""
        except FileNotFoundError:
            return ""

    def all_logs(self):
        return "".join(p.read_text("utf-8", "replace")
                       for p in sorted(self.workdir.glob(f"server-*.stderr")))

    @property
    def wal(self):
        return self.data_dir / "wal.log"

    # ---------------------------------------------------------------- HTTP
    def request(self, method, path, **kw):
        kw.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    # key-level helpers (keys are percent-encoded here)
    def put_key(self, key, value=None, ttl=..., raw=None):
        if raw is None:
            body = {"value": value}
            if ttl is not ...:
                body["ttl"] = ttl
            raw = json.dumps(body, ensure_ascii=False)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        return self.put("/kv/" + enc(key), data=raw, headers={"Content-Type": "application/json"})

    def get_key(self, key):
        return self.get("/kv/" + enc(key))

    def del_key(self, key):
        return self.delete("/kv/" + enc(key))

    def batch(self, operations=None, raw=None):
        if raw is None:
            raw = json.dumps({"operations": operations}, ensure_ascii=False)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        return self.post("/kv/batch", data=raw, headers={"Content-Type": "application/json"})

    def list_keys(self, prefix=None):
        path = "/kv" if prefix is None else "/kv?prefix=" + enc(prefix)
        r = self.get(path)
        assert r.status_code == 200, (r.status_code, r.text)
        return jloads(r.content)["keys"]

    def stats(self):
        r = self.get("/stats")
        assert r.status_code == 200, (r.status_code, r.text)
        return jloads(r.content)

    def value_of(self, key):
        """Value of key, or a sentinel MISSING on 404."""
        r = self.get_key(key)
        if r.status_code == 404:
            return MISSING
        assert r.status_code == 200, (r.status_code, r.text)
        return jloads(r.content)["value"]

    def raw(self, timeout=TIMEOUT):
        return RawConn(self.host, self.port, timeout)

    def http(self, method, path, body=None, headers=None):
        """http.client request: the path goes on the wire exactly as given."""
        return http_request(self.host, self.port, method, path, body, headers)


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


# ---------------------------------------------------------------- raw HTTP
class RawResponse:
    def __init__(self, version, status, reason, headers, body):
        self.version = version
        self.status_code = status
        self.reason = reason
        self.headers = headers  # lower-case name -> value (last one wins)
        self.body = body

    def json(self):
        return jloads(self.body)

    def __repr__(self):
        return f"<RawResponse {self.version} {self.status_code} {self.body[:200]!r}>"


def http_request(host, port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        if body is not None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return RawResponse(f"HTTP/{r.version / 10:.1f}", r.status, r.reason,
                           {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


class RawConn:
    """A plain TCP connection with a minimal HTTP/1.x response reader."""

    def __init__(self, host, port, timeout=TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by server")
        self.buf += chunk

    def _read_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read_n(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, head_request=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        version, status = parts[0], int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if head_request or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size = int(self._read_line().split(b";")[0].strip(), 16)
                if size == 0:
                    while self._read_line() != b"":
                        pass
                    break
                body += self._read_n(size)
                assert self._read_line() == b""
        elif "content-length" in headers:
            body = self._read_n(int(headers["content-length"]))
        else:  # read until EOF
            try:
                while True:
                    self._fill()
            except EOFError:
                pass
            body, self.buf = self.buf, b""
        return RawResponse(version, status, reason, headers, body)

    def wait_closed(self, timeout=TIMEOUT):
        """True when the server closes the connection within timeout (EOF or reset)."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        return False


# ---------------------------------------------------------------- CLI runs
class CliResult:
    def __init__(self, returncode, stdout, stderr, timed_out):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out

    def __repr__(self):
        return f"<CliResult rc={self.returncode} timed_out={self.timed_out} stderr={self.stderr!r}>"


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def server_factory(tmp_path):
    """server_factory(args=[...], env={...}, data_dir=..., port=..., cwd=..., start=True) -> Server"""
    servers = []
    counter = [0]

    def make(args=(), env=None, data_dir=None, port=None, cwd=None, host="127.0.0.1",
             pass_port=True, pass_data_dir=True, start=True):
        require_jar()
        counter[0] += 1
        workdir = tmp_path / f"srv{counter[0]}"
        workdir.mkdir(parents=True, exist_ok=True)
        s = Server(workdir, args=args, env=env, data_dir=data_dir, port=port, cwd=cwd, host=host,
                   pass_port=pass_port, pass_data_dir=pass_data_dir)
        servers.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in servers:
        s.kill()
        s.session.close()


@pytest.fixture
def server(server_factory):
    """A fresh server with default settings, for one test."""
    return server_factory()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server per test module; tests must use unique keys (see uid())."""
    require_jar()
    workdir = tmp_path_factory.mktemp("shared")
    s = Server(workdir)
    try:
        s.start()
        yield s
    finally:
        s.kill()
        s.session.close()


@pytest.fixture
def run_cli(tmp_path):
    """run_cli(args, env=None, cwd=None, timeout=20) -> CliResult.  For invocations expected to exit."""
    procs = []

    def run(args, env=None, cwd=None, timeout=20):
        require_jar()
        p = subprocess.Popen(java_cmd(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, cwd=str(cwd or tmp_path), env=base_env(env))
        procs.append(p)
        _ALL_PROCS.append(p)
        timed_out = False
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            p.kill()
            out, err = p.communicate(timeout=10)
        return CliResult(p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                         timed_out)

    yield run
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def pytest_sessionfinish(session, exitstatus):
    for p in _ALL_PROCS:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=10)
            except Exception:
                pass


def assert_fields(body, expected):
    """Every expected member is present with the given value (extra members are allowed)."""
    assert isinstance(body, dict), body
    for k, v in expected.items():
        assert k in body, f"missing member {k!r} in {body!r}"
        got = body[k]
        if isinstance(v, bool) or isinstance(got, bool):
            assert type(got) is type(v) and got == v, f"member {k!r}: expected {v!r}, got {got!r} in {body!r}"
        else:
            assert got == v, f"member {k!r}: expected {v!r}, got {got!r} in {body!r}"
