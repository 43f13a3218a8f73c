"""Limits under hostile or broken clients: the HTTP front door, deadlines, connection and memory bounds.

Raw sockets throughout: an HTTP library would add a Host header, refuse odd versions or hide a close.
"""
import collections
import json
import re
import resource
import signal
import socket
import sys
import threading
import time

import pytest
import requests

from conftest import MISSING, assert_json_error, enc, request_bytes, uid, wait_until

# A library's class or method name in a message: a.b.C, C.method(), or a `quoted` identifier.
LIBRARY_NAME = re.compile(r"com\.fasterxml|jackson|io\.netty|`|\b[A-Z][a-z]+[A-Z]\w*\.\w+\(", re.IGNORECASE)


def put_body(value):
    return {"value": value}


def assert_closed(conn):
    assert conn.wait_closed(timeout=10), "the server kept the connection open"


# ---------------------------------------------------------------- Expect
def smuggling_put(shared_server, expect, content_length=None):
    """A PUT whose body is a complete DELETE request: if the body is ever read as a request, victim goes."""
    victim = uid() + "victim"
    assert shared_server.put_key(victim, "alive").status_code == 200
    body = request_bytes("DELETE", "/kv/" + enc(victim))
    length = len(body) if content_length is None else content_length
    head = (f"PUT /kv/{enc(uid())} HTTP/1.1\r\nHost: localhost\r\nExpect: {expect}\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()
    return victim, head + body


def test_unknown_expectation_417_closed_and_body_never_run(shared_server):
    victim, data = smuggling_put(shared_server, "foo")
    with shared_server.raw() as c:
        c.send(data)
        r = c.read_response()
        assert_json_error(r, 417)
        assert_closed(c)
    assert shared_server.value_of(victim) == "alive"


def test_continue_over_the_limit_413_closed_and_body_never_run(shared_server):
    victim, data = smuggling_put(shared_server, "100-continue", content_length=2 * 1024 * 1024)
    with shared_server.raw() as c:
        c.send(data)
        r = c.read_response()
        assert_json_error(r, 413)
        assert r.headers.get("connection", "").lower() == "close"
        assert_closed(c)
    assert shared_server.value_of(victim) == "alive"


def test_continue_within_the_limit_gets_100_then_the_answer(shared_server):
    k = uid() + "cont"
    body = b'{"value": "c"}'
    with shared_server.raw() as c:
        c.send((f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode())
        assert c.read_response().status_code == 100
        c.send(body)
        assert c.read_response().status_code == 200
    # over the limit, on another connection: refused, closed, the body never run
    victim, data = smuggling_put(shared_server, "100-continue", content_length=2 * 1024 * 1024)
    with shared_server.raw() as c:
        c.send(data)
        assert_json_error(c.read_response(), 413)
        assert_closed(c)
    assert shared_server.value_of(k) == "c"
    assert shared_server.value_of(victim) == "alive"


# ---------------------------------------------------------------- versions, codings, Host
@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/1.2", "HTTP/3.0"])
def test_unsupported_http_version_505(shared_server, version):
    with shared_server.raw() as c:
        c.send(request_bytes("GET", "/health", version=version))
        r = c.read_response()
    assert r.version.startswith("HTTP/1."), r
    assert_json_error(r, 505)


@pytest.mark.parametrize("coding", ["gzip, chunked", "gzip", "identity"])
def test_transfer_coding_other_than_chunked_501_closed_nothing_written(shared_server, coding):
    k = uid() + "te"
    body = b'{"value": "zipped"}'
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    with shared_server.raw() as c:
        c.send((f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: {coding}\r\n\r\n").encode()
               + chunked)
        assert_json_error(c.read_response(), 501)
        assert_closed(c)
    assert shared_server.value_of(k) is MISSING


def test_http11_without_host_400_but_http10_without_host_served(shared_server):
    with shared_server.raw() as c:
        c.send(request_bytes("GET", "/health", host=None))
        assert_json_error(c.read_response(), 400)
    with shared_server.raw() as c:
        c.send(request_bytes("GET", "/health", host=None, version="HTTP/1.0"))
        assert c.read_response().status_code == 200


# ---------------------------------------------------------------- pipelining, half-close
def test_hundreds_of_pipelined_writes_all_answered_in_order(shared_server):
    p = uid()
    n = 600
    data = b"".join(request_bytes("PUT", "/kv/" + enc(f"{p}{i}"), put_body(i)) for i in range(n))
    data += request_bytes("GET", "/kv?prefix=" + enc(p))
    with shared_server.raw(timeout=30) as c:
        c.send(data)
        rs = [c.read_response() for _ in range(n + 1)]
    assert [r.status_code for r in rs] == [200] * (n + 1)
    assert [r.json()["key"] for r in rs[:n]] == [f"{p}{i}" for i in range(n)]
    assert len(rs[n].json()["keys"]) == n


def test_requests_sent_before_a_half_close_are_answered(shared_server):
    k = uid() + "half"
    with shared_server.raw() as c:
        c.send(request_bytes("PUT", "/kv/" + enc(k), put_body("h")) + request_bytes("GET", "/kv/" + enc(k))
               + request_bytes("GET", "/health"))
        c.sock.shutdown(socket.SHUT_WR)
        rs = [c.read_response() for _ in range(3)]
        assert_closed(c)
    assert [r.status_code for r in rs] == [200, 200, 200]
    assert rs[1].json()["value"] == "h"


# ---------------------------------------------------------------- error wording
@pytest.mark.parametrize("value", ["[" * 1200 + "]" * 1200, "1" * 1200, '{"a":' * 1200 + "1" + "}" * 1200],
                         ids=["deep-array", "long-number", "deep-object"])
def test_json_limit_errors_speak_kvstore_not_the_library(shared_server, value):
    r = shared_server.put_key(uid(), raw='{"value": ' + value + "}")
    body = assert_json_error(r, 400)
    assert not LIBRARY_NAME.search(body["error"]), body["error"]
    assert "1000" in body["error"], body["error"]



# What the JSON parser says in its own words (issue 17): none of it may reach a client.
PARSER_WORDS = re.compile(r"Unrecognized|was expecting|surrogate pair in|Unexpected character|end-of-input|"
                          r"\(code \d+\)|Illegal|REDACTED|Source:|token '|ctrl-char|Leading zero|Invalid numeric", re.IGNORECASE)


@pytest.mark.parametrize("body", ["x", '{"value": x}', '{"value":{"\\ud800":1}}',
                                  '{"value": [1,}', '{"value": 01}', '{"value": "a\tb"}', '{"value": 1',
                                  '{value: 1}', '{"operations": [{"op": "get", "key": "a"},]}'],
                         ids=["bare-word", "bare-word-in-value", "lone-surrogate-name",
                              "trailing-comma", "leading-zero", "raw-tab", "truncated", "unquoted-name",
                              "batch-trailing-comma"])
def test_json_parse_errors_speak_kvstore_not_the_parser(shared_server, body):
    k = uid()
    r = shared_server.batch(raw=body) if "operations" in body else shared_server.put_key(k, raw=body)
    message = assert_json_error(r, 400)["error"]
    assert message.startswith("body is not valid JSON: "), message
    assert not PARSER_WORDS.search(message) and not LIBRARY_NAME.search(message), message
    assert shared_server.value_of(k) is MISSING


# ---------------------------------------------------------------- request deadline
def test_slowloris_head_gets_408_and_is_closed(server_factory):
    srv = server_factory(args=["--request-timeout", "1"])
    with srv.raw() as c:
        c.send(b"GET /health HTTP/1.1\r\nHost: local")
        r = c.read_response()
        assert_json_error(r, 408)
        assert_closed(c)
    assert srv.get("/health").status_code == 200


def test_body_trickling_one_byte_at_a_time_is_cut_and_nothing_written(server_factory):
    srv = server_factory(args=["--request-timeout", "2"])
    k = uid() + "trickle"
    body = b'{"value": "' + b"t" * 200 + b'"}'
    with srv.raw() as c:
        c.send((f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        sent = 0
        c.sock.settimeout(0.5)
        while sent < len(body) - 1:  # one byte per half second: the client's pace, not a wait for the server
            try:
                c.send(body[sent:sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            try:
                c._fill()
                break  # the server answered (or closed)
            except socket.timeout:
                pass
            except (EOFError, ConnectionResetError):
                break
        c.sock.settimeout(10)
        assert sent < len(body) - 1, "the trickling body was never cut"
        assert_json_error(c.read_response(), 408)
        assert_closed(c)
    assert srv.value_of(k) is MISSING


def test_request_deadline_does_not_apply_between_requests(server_factory):
    srv = server_factory(args=["--request-timeout", "1"])
    with srv.raw() as c:
        c.send(request_bytes("GET", "/health"))
        assert c.read_response().status_code == 200
        assert not c.wait_closed(timeout=2.5), "an idle keep-alive connection was cut by the request deadline"
        c.send(request_bytes("GET", "/health"))
        assert c.read_response().status_code == 200


# ---------------------------------------------------------------- connection limit
def test_one_connection_over_the_limit_is_closed_the_others_untouched(server_factory):
    srv = server_factory(args=["--max-connections", "4"])
    conns = [srv.raw() for _ in range(4)]
    try:
        for c in conns:
            c.send(request_bytes("GET", "/health"))
            assert c.read_response().status_code == 200
        with srv.raw() as extra:
            try:
                extra.send(request_bytes("GET", "/health"))
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert extra.wait_closed(timeout=10), "the connection over the limit was served"
        for c in conns:
            c.send(request_bytes("GET", "/health"))
            assert c.read_response().status_code == 200
    finally:
        for c in conns:
            c.close()
    # once the connections are gone, new ones are served again
    wait_until(lambda: srv.get("/health").status_code == 200, msg="a new connection served")


# ---------------------------------------------------------------- file descriptors
FD_LIMIT = 256
FLOOD_CONNECTIONS = 320  # more than the server can hold at once
# Long enough for the server to run out of descriptors many times (it pauses accepting for a second each
# time) while compactions, each of which opens its new log and forces the directory, follow one another.
FLOOD_SECONDS = 15


def churn_connections(host, port, n, stop):
    """Keeps about n connections to host:port opening and closing until stop is set; closes them all at the end."""
    open_socks = collections.deque()
    try:
        while not stop.is_set():
            while len(open_socks) < n:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                open_socks.append(s)
                s.setblocking(False)
                s.connect_ex((host, port))
            for _ in range(n // 8):
                open_socks.popleft().close()
            stop.wait(0.01)
    finally:
        for s in open_socks:
            s.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prlimit of another process needs Linux")
def test_descriptor_flood_during_compactions_stops_nothing_and_loses_nothing(server_factory):
    srv = server_factory(args=["--compact-min-bytes", "64KiB"])
    try:
        resource.prlimit(srv.pid, resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot lower the server's descriptor limit with prlimit: {e}")
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < FLOOD_CONNECTIONS + 64:
        pytest.skip("this test process may not open enough connections for the flood")
    p = uid()
    churn = "c" * (256 << 10)  # overwritten again and again: a compaction every few writes
    acked = {}
    compactions_before = srv.stats()["compactions"]
    stop = threading.Event()
    flood = threading.Thread(target=churn_connections, args=(srv.host, srv.port, FLOOD_CONNECTIONS, stop),
                             daemon=True)
    flood.start()
    try:
        deadline = time.monotonic() + FLOOD_SECONDS
        i = 0
        while time.monotonic() < deadline and srv.proc.poll() is None:
            key = f"{p}{i}"
            try:
                if srv.put_key(key, key).status_code == 200:
                    acked[key] = key
                srv.put_key(p + "churn", churn)
            except requests.RequestException:
                pass  # an unknown outcome: neither acknowledged nor counted
            i += 1
    finally:
        stop.set()
        flood.join(timeout=10)
    assert not flood.is_alive()
    assert srv.proc.poll() is None, f"the server exited with {srv.proc.returncode}:\n{srv.stderr()[-3000:]}"
    wait_until(lambda: srv.get("/health", timeout=5).status_code == 200, timeout=20, msg="/health after the flood")
    err = srv.stderr()
    assert "reached at the tail of the pipeline" not in err, err[-3000:]
    refused = [line for line in err.splitlines() if "cannot accept a connection" in line]
    assert len(refused) <= 2 + FLOOD_SECONDS // 10, "\n".join(refused)  # once per 10 s, with a count
    assert srv.stats()["compactions"] >= compactions_before + 3, \
        f"too few compactions during the flood: {srv.stats()}; acknowledged {len(acked)} writes"
    assert acked, "no write was acknowledged during the flood"
    srv.restart()
    keys = list(acked)
    for at in range(0, len(keys), 500):
        r = srv.batch([{"op": "get", "key": k} for k in keys[at:at + 500]])
        assert r.status_code == 200, (r.status_code, r.text[:300])
        lost = [res["key"] for res in r.json()["results"] if res.get("value") != acked[res["key"]]]
        assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {lost[:5]}"


# ---------------------------------------------------------------- memory bounds
# A small heap (and with it, Netty's direct memory) makes unbounded buffering show within a test's time.
SMALL_HEAP = {"JAVA_TOOL_OPTIONS": "-Xmx128m"}


def open_nonblocking(srv, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        s.setblocking(False)
        socks.append(s)
    return socks


def push(sock, data):
    """Sends as much of data as the socket takes now; returns what is left."""
    try:
        return data[sock.send(data):]
    except (BlockingIOError, InterruptedError):
        return data


def test_almost_complete_large_bodies_cannot_starve_other_clients(server_factory):
    srv = server_factory(env=SMALL_HEAP)
    mib = 1024 * 1024
    socks = open_nonblocking(srv, 300)
    try:
        head = (f"PUT /kv/hog HTTP/1.1\r\nHost: localhost\r\nContent-Length: {mib}\r\n\r\n").encode()
        pending = [head + b"x" * (mib - 1) for _ in socks]
        for _ in range(50):  # push what the kernel takes, a few rounds, never the last byte
            pending = [push(s, p) if p else p for s, p in zip(socks, pending)]
        k = uid() + "probe"
        assert srv.get("/health", timeout=5).status_code == 200
        assert srv.put_key(k, "small").status_code == 200
        assert srv.value_of(k) == "small"
    finally:
        for s in socks:
            s.close()



def pipeliner(srv, requests_, receive_buffer=4096):
    """A connection with a small receive buffer that will pipeline requests_ and read nothing (until told to)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.connect((srv.host, srv.port))
    s.setblocking(False)
    return [s, requests_]


def test_clients_that_never_read_cannot_exhaust_memory_and_are_answered_once_they_read(server_factory):
    """Issue 17, hole 1: each pipelined GET of a 1 MB value was answered at once, so six connections that
    never read took a 256 MiB server out of direct memory in two seconds. Now a connection builds no answer
    while the client has not read the ones before; the others are served, and the stalled one gets every
    answer, in order, once it reads."""
    srv = server_factory(env={"JAVA_TOOL_OPTIONS": "-Xmx256m"})
    big = "v" * 1_000_000
    assert srv.put_key("big", big).status_code == 200
    attackers = [pipeliner(srv, request_bytes("GET", "/kv/big") * 256) for _ in range(6)]
    patient = srv.raw(timeout=30)  # pipelines three requests and reads nothing until the attack ends
    patient.send(b"".join(request_bytes("GET", p) for p in ("/kv/big", "/health", "/kv/big")))
    try:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for a in attackers:
                a[1] = push(a[0], a[1]) if a[1] else a[1]
            assert srv.running(), f"the server died:\n{srv.stderr()[-2000:]}"
            assert srv.get("/health", timeout=5).status_code == 200
        answers = [patient.read_response() for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 200]
        assert answers[0].json()["value"] == big and answers[2].json()["value"] == big
        assert answers[1].json() == {"status": "ok"}
    finally:
        patient.close()
        for a in attackers:
            a[0].close()
    assert srv.running(), f"the server died:\n{srv.stderr()[-2000:]}"


def test_a_batch_answer_larger_than_the_heap_is_streamed_and_non_readers_of_it_hold_little(server_factory):
    """A batch of 300 gets of a 1 MB value asks for a 300 MB answer: built in one buffer, it took a 256 MiB
    server out of direct memory. Now a large batch answer is streamed in chunks as the socket takes them, so
    clients that ask for it and never read hold little (the requests they pipelined after it included), and one
    that reads gets every byte."""
    srv = server_factory(env={"JAVA_TOOL_OPTIONS": "-Xmx256m"})
    big = "v" * 1_000_000
    assert srv.put_key("big", big).status_code == 200
    n = 300
    body = json.dumps({"operations": [{"op": "get", "key": "big"}] * n}).encode()
    # Each also pipelines GETs of the value after the batch: they must wait for the streamed answer to be read,
    # not be answered into memory behind it.
    attackers = [pipeliner(srv, request_bytes("POST", "/kv/batch", body) + request_bytes("GET", "/kv/big") * 100)
                 for _ in range(4)]
    try:
        for _ in range(50):
            for a in attackers:
                a[1] = push(a[0], a[1]) if a[1] else a[1]
        entry = srv.get_key("big").json()
        item = json.dumps({"key": "big", "value": big, **{k: entry[k] for k in
                                                          ("create_revision", "mod_revision", "version")}},
                          separators=(",", ":")).encode()
        revision = entry["mod_revision"]
        expected = [b'{"success":true,"results":[', item] + [b"," + item] * (n - 1) + [
            f'],"revision":{revision}}}\n'.encode()]
        with srv.post("/kv/batch", data=body, stream=True, timeout=120) as r:
            assert r.status_code == 200, r.text[:300]
            assert r.headers.get("transfer-encoding") == "chunked" and "content-length" not in r.headers
            assert r.headers.get("x-kvstore-revision") == str(revision)
            got = r.raw.stream(1 << 20, decode_content=False)
            pending = b""
            for want in expected:  # compared as it arrives: the whole answer is never held here either
                while len(pending) < len(want):
                    more = next(got, b"")
                    assert more, "the answer ended early"
                    pending += more
                assert pending[:len(want)] == want
                pending = pending[len(want):]
            assert pending == b"" and next(got, b"") == b"", "bytes after the answer's end"
        assert srv.running(), f"the server died:\n{srv.stderr()[-2000:]}"
        assert srv.get("/health", timeout=5).status_code == 200
    finally:
        for a in attackers:
            a[0].close()
    assert srv.running(), f"the server died:\n{srv.stderr()[-2000:]}"


# ---------------------------------------------------------------- out of memory
def test_memory_ceiling_refuses_growth_with_507_and_keeps_serving(server_factory):
    srv = server_factory(env={"JAVA_TOOL_OPTIONS": "-Xmx128m"})
    st = srv.stats()
    assert 0 < st["max_memory_bytes"] <= 64 << 20, st  # half the heap by default
    p = uid()
    value = "c" * 200_000  # large values reach the ceiling in a few hundred writes
    acknowledged, refused = [], None
    for i in range(1_000):  # far more than the ceiling; the heap itself would run out first without it
        r = srv.put_key(f"{p}{i}", value)
        if r.status_code != 200:
            refused = r
            break
        acknowledged.append(f"{p}{i}")
    assert refused is not None, "no write was refused"
    assert refused.status_code == 507 and refused.json() == {"error": "memory limit reached"}, refused.text
    assert srv.value_of(f"{p}{len(acknowledged)}") is MISSING, "the refused write was stored"
    st = srv.stats()
    assert st["memory_bytes"] <= st["max_memory_bytes"], st
    assert srv.value_of(acknowledged[0]) == value, "reads go on"
    assert srv.del_key(acknowledged[0]).status_code == 200, "deletes go on"
    assert srv.put_key(acknowledged[1], "small").status_code == 200, "a write that shrinks the data goes on"
    assert srv.proc.poll() is None
    srv.restart()
    assert srv.value_of(acknowledged[-1]) == value and srv.value_of(acknowledged[0]) is MISSING


def test_out_of_memory_exits_at_once_with_one_fatal_line_and_restart_loses_nothing(server_factory):
    small = {"JAVA_TOOL_OPTIONS": "-Xmx48m"}
    # A ceiling above what the heap holds, so that the heap runs out first.
    srv = server_factory(args=["--max-memory", "1GiB"], env=small)
    p = uid()
    acknowledged = []
    value = "m" * 20_000
    for batch in range(1000):  # about 800 MB in all: far more than the heap
        keys = [f"{p}{batch}-{i}" for i in range(40)]
        try:
            r = srv.batch([{"op": "set", "key": k, "value": value} for k in keys])
        except requests.RequestException:
            break
        if r.status_code != 200:
            break
        acknowledged += keys
    wait_until(lambda: srv.proc.poll() is not None, timeout=20, msg="the server to exit after running out of memory")
    err = srv.stderr()
    assert srv.proc.returncode == 4, (srv.proc.returncode, err[-2000:])
    fatal = [line for line in err.splitlines() if "FATAL" in line]
    assert len(fatal) == 1 and "out of memory" in fatal[0], err[-2000:]
    assert "\tat " not in err, err[-2000:]
    # a restart with room replays every acknowledged write
    srv.env = {}
    srv.start(timeout=60)
    assert len(srv.list_keys(p)) >= len(acknowledged) > 0
    srv.stop()
    # a restart with a heap too small for the data says so in one line, without a stack trace
    srv.env = {"JAVA_TOOL_OPTIONS": "-Xmx24m"}
    srv.spawn()
    wait_until(lambda: srv.proc.poll() is not None, timeout=60, msg="the too-small restart to exit")
    err = srv.stderr()
    assert srv.proc.returncode == 4, (srv.proc.returncode, err[-2000:])
    assert len([line for line in err.splitlines() if "FATAL" in line]) == 1, err[-2000:]
    assert "\tat " not in err, err[-2000:]


# ---------------------------------------------------------------- stopping
def test_sigterm_answers_every_write_it_applied(server_factory):
    srv = server_factory()
    p = uid()
    n = 3000
    data = b"".join(request_bytes("PUT", "/kv/" + enc(f"{p}{i}"), put_body(i)) for i in range(n))
    statuses = []
    with srv.raw(timeout=15) as c:
        c.send(data)
        statuses.append(c.read_response().status_code)  # writes are under way
        srv.proc.send_signal(signal.SIGTERM)
        try:
            while len(statuses) < n:
                statuses.append(c.read_response().status_code)
        except (EOFError, ConnectionResetError):
            pass
    assert srv.proc.wait(timeout=10) == 0, srv.stderr()
    srv.start()
    applied = len(srv.list_keys(p))
    answered = statuses.count(200)
    assert set(statuses) <= {200, 503}, statuses
    assert applied == answered, f"{applied} writes applied, {answered} acknowledged"
