"""Shared fixtures and helpers for the kvstore black-box test suite.

Processes are started by kvserver.py (the jar at KVSTORE_JAR or <repo>/kvstore-netty/target/kvstore.jar);
every one is tracked and stopped by PID when the owning fixture is torn down.
"""
import functools
import http.client
import json
import socket
import subprocess
import threading
import time
import uuid
from decimal import Decimal
from urllib.parse import quote

import pytest
import requests

from kvserver import ALL_PROCS, KvServerProcess, base_env, free_port, java_cmd, require_jar, wait_until  # noqa: F401
from prometheus_support import prometheus_factory  # noqa: F401  (a fixture)

TIMEOUT = 10  # seconds, for every network call

# The tests talk to loopback only. A requests session that trusts the environment looks through every variable for
# proxy settings and reads ~/.netrc on each request: most of a request's CPU in the test process, and a user's
# HTTP_PROXY would send the tests' requests through that proxy. So no session the tests make (requests.get's
# included) trusts it.
_new_session = requests.Session.__init__


def _session_ignoring_the_environment(self):
    _new_session(self)
    self.trust_env = False


requests.Session.__init__ = _session_ignoring_the_environment


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


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()  # what value_of() returns for a key that is not there (404): the suite's one "absent"


class Server(KvServerProcess):
    """The suite's one client for a kvstore server (process life in KvServerProcess: start, stop, kill,
    restart, stderr).  Path verbs: request/get/post/put/delete; key verbs (keys percent-encoded here):
    put_key/get_key/del_key/value_of, batch, list_keys, stats; raw()/http() for what requests cannot send."""

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
        assert r.status_code == 200, (key, r.status_code, r.text)
        return jloads(r.content)["value"]

    def raw(self, timeout=TIMEOUT):
        return RawConn(self.host, self.port, timeout)

    def http(self, method, path, body=None, headers=None):
        """http.client request: the path goes on the wire exactly as given."""
        return http_request(self.host, self.port, method, path, body, headers)


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


# ---------------------------------------------------------------- watches
class EventStream:
    """GET /watch...: a Server-Sent Events stream over a plain socket, read event by event as it comes (a timeout
    leaves it usable).  `status` and `headers` are the response's; a non-200 answer's JSON is in `error_body`.
    rcvbuf shrinks the socket's receive buffer before connecting, so that a client that stops reading holds up
    the server soon."""

    def __init__(self, host, port, path, headers=None, timeout=TIMEOUT, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.sendall(request_bytes("GET", path, headers=headers))
        self.raw = b""  # bytes received and not decoded yet
        self.body = b""  # decoded body not yet parsed into events
        self.ended = False
        while b"\r\n\r\n" not in self.raw:
            self._recv()
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "")
        self.error_body = None
        if self.status != 200:
            length = int(self.headers.get("content-length", "0"))
            while len(self.raw) < length:
                self._recv()
            self.error_body = jloads(self.raw[:length])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed by server")
        self.raw += data

    def _decode(self):
        """Moves what arrived whole from raw to body, undoing the chunked coding."""
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            return
        while b"\r\n" in self.raw and not self.ended:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.ended = True
                return
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2:]

    def next(self, timeout=TIMEOUT):
        """The next event as {"id": int or None, "event": name, "data": parsed JSON}, or None once the stream ended;
        raises socket.timeout (TimeoutError) when none comes within timeout."""
        self.sock.settimeout(timeout)
        self._decode()
        while b"\n\n" not in self.body:
            if self.ended:
                return None
            try:
                self._recv()
                self._decode()
            except EOFError:
                self.ended = True
        raw, self.body = self.body.split(b"\n\n", 1)
        event = {"id": None}
        for line in raw.decode("utf-8").split("\n"):
            name, _, value = line.partition(": ")
            if name == "id":
                event["id"] = int(value)
            elif name == "event":
                event["event"] = value
            elif name == "data":
                event["data"] = jloads(value)
        return event

    def take(self, n, timeout=TIMEOUT):
        """The next n events (fails when the stream ends first)."""
        events = []
        for _ in range(n):
            e = self.next(timeout)
            assert e is not None, f"the stream ended after {events}"
            events.append(e)
        return events


def watch(server, query="", headers=None, **kw):
    """Opens GET /watch?<query> on server (a conftest.Server or a cluster Member)."""
    return EventStream(server.host, server.port, "/watch" + (f"?{query}" if query else ""), headers, **kw)


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
    """server_factory(name=None, args=[...], env={...}, data_dir=..., port=..., cwd=..., start=True, ...) -> Server

    The server works in tmp_path/<name> (srv1, srv2, ... without a name); every one is killed by PID afterwards.
    """
    servers = []

    def make(name=None, args=(), env=None, data_dir=None, port=None, cwd=None, host="127.0.0.1",
             pass_port=True, pass_data_dir=True, fresh_port_per_start=False, start=True):
        require_jar()
        workdir = tmp_path / (name or f"srv{len(servers) + 1}")
        workdir.mkdir(parents=True, exist_ok=True)
        s = Server(workdir, args=args, env=env, data_dir=data_dir, port=port, cwd=cwd, host=host,
                   pass_port=pass_port, pass_data_dir=pass_data_dir, fresh_port_per_start=fresh_port_per_start)
        servers.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in servers:
        s.close()


@pytest.fixture
def kv_procs(server_factory):
    """kv_procs(name, data_dir=None, args=(), env=None) -> Server, not started, on a new port for every start:
    for the durability tests, which kill and restart one data dir many times."""
    return functools.partial(server_factory, start=False, fresh_port_per_start=True)


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
        s.close()


@pytest.fixture
def run_cli(tmp_path):
    """run_cli(args, env=None, cwd=None, timeout=60) -> CliResult.  For invocations expected to exit."""
    procs = []

    def run(args, env=None, cwd=None, timeout=60):
        require_jar()
        p = subprocess.Popen(java_cmd(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, cwd=str(cwd or tmp_path), env=base_env(env))
        procs.append(p)
        ALL_PROCS.append(p)
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
    for p in ALL_PROCS:
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


def request_bytes(method, path, body=None, headers=None, version="HTTP/1.1", host="localhost"):
    """One HTTP/1.x request as bytes, for raw sockets; host=None sends no Host header."""
    h = {} if host is None else {"Host": host}
    h.update(headers or {})
    if body is not None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode()
        h.setdefault("Content-Length", str(len(body)))
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    return head.encode() + (body or b"")


class Workers:
    """Threads that each call self.run(n) until self.stop is set; a context manager that starts them on entry
    and stops and joins them on exit.  Subclasses record what their threads did."""

    def __init__(self, count, join_timeout=60, pace=0.0):
        self.stop = threading.Event()
        self.join_timeout = join_timeout
        self.pace = pace
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(count)]

    def run(self, n):
        raise NotImplementedError

    def going(self):
        """Whether a thread sends its next request: after `pace` seconds (0: at once), unless stopped meanwhile."""
        return not self.stop.wait(self.pace) if self.pace else not self.stop.is_set()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(self.join_timeout)


class CountingWriters(Workers):
    """Threads that each write their own few keys (<prefix>w<thread>-<i % keys>), values counting up 0, 1, 2...,
    through write(n, key, i), which returns whether the write was acknowledged.  `tried` and `acked` map each key
    to the values written to it, in order: what watchers of the prefix must see."""

    def __init__(self, count, prefix, write, keys=3, pace=0.0):
        super().__init__(count, pace=pace)
        self.prefix, self.write, self.keys = prefix, write, keys
        self.tried, self.acked = {}, {}
        self.lock = threading.Lock()

    def run(self, n):
        i = 0
        while self.going():
            key = f"{self.prefix}w{n}-{i % self.keys}"
            with self.lock:
                self.tried.setdefault(key, []).append(i)
            if self.write(n, key, i):
                with self.lock:
                    self.acked.setdefault(key, []).append(i)
            i += 1

    def writes(self):
        with self.lock:
            return sum(len(v) for v in self.acked.values())

