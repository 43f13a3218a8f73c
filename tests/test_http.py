"""HTTP/1.x behaviour over raw sockets: keep-alive, pipelining, chunked bodies, close, HTTP/1.0, garbage."""
import json
import socket

import pytest

from conftest import MISSING, RawConn, assert_fields, assert_json_error, enc, jloads, request_bytes, uid


def req(method, path, body=None, headers=None, version="HTTP/1.1"):
    """request_bytes with a JSON content type on requests that carry a body."""
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    return request_bytes(method, path, body, h, version)


def test_keep_alive_multiple_requests_one_connection(shared_server):
    k = uid() + "ka"
    with shared_server.raw() as c:
        c.send(req("PUT", "/kv/" + enc(k), {"value": 1}))
        r1 = c.read_response()
        assert r1.status_code == 200
        assert "close" not in r1.headers.get("connection", "").lower()
        c.send(req("GET", "/kv/" + enc(k)))
        r2 = c.read_response()
        assert r2.status_code == 200 and r2.json()["value"] == 1
        c.send(req("GET", "/health"))
        assert c.read_response().status_code == 200


def test_pipelined_requests_answered_in_order(shared_server):
    p = uid()
    k = "/kv/" + enc(p + "pipe")
    data = b"".join([
        req("PUT", k, {"value": "v1"}),
        req("GET", k),
        req("PUT", k, {"value": "v2"}),
        req("GET", k),
        req("GET", "/kv/" + enc(p + "missing")),
        req("DELETE", k),
        req("GET", k),
        req("GET", "/health"),
        req("GET", "/kv?prefix=" + enc(p)),
    ])
    with shared_server.raw() as c:
        c.send(data)
        rs = [c.read_response() for _ in range(9)]
    assert [r.status_code for r in rs] == [200, 200, 200, 200, 404, 200, 404, 200, 200], rs
    assert rs[0].json()["value"] == "v1" and rs[0].json()["created"] is True
    assert rs[1].json()["value"] == "v1"
    assert rs[2].json()["value"] == "v2" and rs[2].json()["created"] is False
    assert rs[3].json()["value"] == "v2"
    assert rs[5].json()["deleted"] is True
    assert rs[7].json()["status"] == "ok"
    assert rs[8].json()["keys"] == []


def test_many_pipelined_writes_and_reads_in_order(shared_server):
    p = uid()
    data = b""
    n = 60
    for i in range(n):
        data += req("PUT", "/kv/" + enc(f"{p}{i}"), {"value": i})
        data += req("GET", "/kv/" + enc(f"{p}{i % 7}"))  # read of an earlier (or the same) key
    with shared_server.raw() as c:
        c.send(data)
        rs = [c.read_response() for _ in range(2 * n)]
    for i in range(n):
        put, get = rs[2 * i], rs[2 * i + 1]
        assert put.status_code == 200 and put.json()["key"] == f"{p}{i}", put
        j = i % 7
        assert get.status_code == 200, (i, get)
        assert get.json()["key"] == f"{p}{j}" and get.json()["value"] == j, (i, get)


def test_pipelined_reads_of_different_keys_keep_order(shared_server):
    p = uid()
    for i in range(5):
        assert shared_server.put_key(f"{p}{i}", i).status_code == 200
    data = b""
    for i in range(5):
        data += req("PUT", "/kv/" + enc(f"{p}w{i}"), {"value": i})  # a write that waits for fsync
        data += req("GET", "/kv/" + enc(f"{p}{4 - i}"))  # a read that is ready at once
    with shared_server.raw() as c:
        c.send(data)
        rs = [c.read_response() for _ in range(10)]
    for i in range(5):
        assert rs[2 * i].json()["key"] == f"{p}w{i}"
        assert rs[2 * i + 1].json()["key"] == f"{p}{4 - i}" and rs[2 * i + 1].json()["value"] == 4 - i


def test_empty_batch_then_pipelined_read_both_answered(shared_server):
    k = uid() + "eb"
    assert shared_server.put_key(k, 7).status_code == 200
    with shared_server.raw() as c:
        c.send(req("POST", "/kv/batch", {"operations": []}) + req("GET", "/kv/" + enc(k)))
        first, second = c.read_response(), c.read_response()
    assert first.status_code == 200
    assert_fields(jloads(first.body), {"success": True, "results": []})
    assert second.status_code == 200 and jloads(second.body)["value"] == 7


def test_chunked_request_body_put(shared_server):
    k = uid() + "chunk"
    body = json.dumps({"value": {"text": "chunked " * 100, "n": 12345678901234567890123}}).encode()
    pieces = [body[i:i + 37] for i in range(0, len(body), 37)]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(x), x) for x in pieces) + b"0\r\n\r\n"
    head = (f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n").encode()
    with shared_server.raw() as c:
        c.send(head)
        for i in range(0, len(chunked), 100):  # dribble it in
            c.send(chunked[i:i + 100])
        r = c.read_response()
        assert r.status_code == 200, r
        c.send(req("GET", "/kv/" + enc(k)))
        g = c.read_response()
    assert g.json()["value"] == {"text": "chunked " * 100, "n": 12345678901234567890123}


def test_chunked_request_body_batch(shared_server):
    p = uid()
    body = json.dumps({"operations": [{"op": "set", "key": p + "a", "value": 1},
                                      {"op": "get", "key": p + "a"}]}).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10])
                       for i in range(0, len(body), 10)) + b"0\r\n\r\n"
    with shared_server.raw() as c:
        c.send(b"POST /kv/batch HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
        r = c.read_response()
    assert r.status_code == 200, r
    assert r.json()["results"][1]["value"] == 1


def test_expect_100_continue(shared_server):
    k = uid() + "expect"
    body = json.dumps({"value": "e" * 2000}).encode()
    head = (f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode()
    with shared_server.raw() as c:
        c.send(head)
        c.sock.settimeout(3)
        try:
            first = c.read_response()
        except (socket.timeout, TimeoutError):
            first = None  # no interim response: the client sends the body anyway
        c.sock.settimeout(10)
        assert first is None or first.status_code == 100, first
        c.send(body)
        r = c.read_response()
    assert r.status_code == 200, r
    assert shared_server.value_of(k) == "e" * 2000


def test_connection_close_honoured(shared_server):
    with shared_server.raw() as c:
        c.send(req("GET", "/health", headers={"Connection": "close"}))
        r = c.read_response()
        assert r.status_code == 200
        assert c.wait_closed(timeout=5), "server kept the connection open after Connection: close"


def test_connection_close_after_write(shared_server):
    k = uid() + "cc"
    with shared_server.raw() as c:
        c.send(req("PUT", "/kv/" + enc(k), {"value": 5}, headers={"Connection": "close"}))
        r = c.read_response()
        assert r.status_code == 200
        assert c.wait_closed(timeout=5)
    assert shared_server.value_of(k) == 5


@pytest.mark.parametrize("first", ["GET", "PUT"])
def test_requests_pipelined_after_connection_close_are_not_run(shared_server, first):
    k1, k2 = uid() + "first", uid() + "after-close"
    closing = (req("GET", "/health", headers={"Connection": "close"}) if first == "GET"
               else req("PUT", "/kv/" + enc(k1), {"value": 1}, headers={"Connection": "close"}))
    with shared_server.raw() as c:
        c.send(closing + req("PUT", "/kv/" + enc(k2), {"value": 2}) + req("DELETE", "/kv/" + enc(k1)))
        assert c.read_response().status_code == 200
        assert c.wait_closed(timeout=5), "server kept the connection open after Connection: close"
        assert c.buf == b"", "a request sent after Connection: close was answered"
    assert shared_server.value_of(k2) is MISSING, "a PUT sent after Connection: close was applied"
    if first == "PUT":
        assert shared_server.value_of(k1) == 1, "a DELETE sent after Connection: close was applied"


def test_http10_answered_and_closed(shared_server):
    with shared_server.raw() as c:
        c.send(b"GET /health HTTP/1.0\r\n\r\n")
        r = c.read_response()
        assert r.status_code == 200
        assert r.json()["status"] == "ok"
        assert c.wait_closed(timeout=5), "HTTP/1.0 connection without keep-alive was not closed"


def test_http10_put_and_get(shared_server):
    k = uid() + "h10"
    with shared_server.raw() as c:
        c.send(req("PUT", "/kv/" + enc(k), {"value": [1]}, version="HTTP/1.0"))
        assert c.read_response().status_code == 200
        assert c.wait_closed(timeout=5)
    assert shared_server.value_of(k) == [1]


def test_http10_keep_alive_kept_open(shared_server):
    with shared_server.raw() as c:
        c.send(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r1 = c.read_response()
        assert r1.status_code == 200
        assert "content-length" in r1.headers
        c.send(b"GET /stats HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r2 = c.read_response()
        assert r2.status_code == 200
        assert "total_operations" in r2.json()


def test_response_has_length_framing(shared_server):
    with shared_server.raw() as c:
        c.send(req("GET", "/kv"))
        r = c.read_response()
        assert r.status_code == 200
        assert "content-length" in r.headers or "chunked" in r.headers.get("transfer-encoding", "")


MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /health\r\nHost: localhost\r\n\r\n" + b"\r\n",
    b"GET /health HTTP/1.1 extra\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64 + b"\r\n\r\n",  # TLS hello
    b"GET /health HTTP/1.1\r\nBadHeaderNoColon\r\n\r\n",
    b"PUT /kv/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n{}",
    b"PUT /kv/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n{}",
    b"PUT /kv/x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
]


@pytest.mark.parametrize("data", MALFORMED, ids=["garbage", "no-path", "no-version", "extra-token", "tls",
                                                  "header-no-colon", "bad-content-length", "negative-length",
                                                  "bad-chunk-size", "huge-header", "huge-uri", "binary"])
def test_malformed_request_400_or_close_never_5xx(shared_server, data):
    with shared_server.raw(timeout=5) as c:
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            r = c.read_response()
        except (EOFError, ConnectionResetError):
            r = None  # connection closed: acceptable
        except socket.timeout:
            pytest.fail("server neither answered nor closed the connection")
    if r is not None:
        assert r.status_code < 500, r
        assert 400 <= r.status_code < 500, r
        if r.status_code == 400:
            assert_json_error(r, 400)
    # the server is still healthy
    assert shared_server.get("/health").status_code == 200


def test_server_survives_client_disconnect_mid_body(shared_server):
    k = uid() + "abort"
    with shared_server.raw() as c:
        c.send(f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{{\"value\":".encode())
    assert shared_server.get("/health").status_code == 200
    assert shared_server.value_of(k) is MISSING


def test_idle_connection_closed_after_idle_timeout(server_factory):
    srv = server_factory(args=["--idle-timeout", "1"])
    with srv.raw(timeout=15) as c:
        c.send(req("GET", "/health"))
        assert c.read_response().status_code == 200
        assert c.wait_closed(timeout=12), "idle keep-alive connection was never closed"


# ---------------------------------------------------------------- request head checks (issue 17)
def test_two_host_headers_400_and_closed(shared_server):
    """RFC 9112: a request with more than one Host is a 400; the first one used to win the Host check."""
    k = uid() + "twohosts"
    with shared_server.raw() as c:
        c.send(f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nHost: attacker.example\r\n"
               f"Content-Length: 11\r\n\r\n{{\"value\":1}}")
        r = c.read_response()
        assert assert_json_error(r, 400)["error"] == "a request may carry only one Host header"
        assert c.wait_closed()
    assert shared_server.value_of(k) is MISSING


def test_raw_hash_in_the_request_target_400_and_nothing_written(shared_server):
    """A raw '#' used to end the key there: PUT /kv/a#b wrote the key a."""
    k = uid() + "frag"
    with shared_server.raw() as c:
        c.send(request_bytes("PUT", f"/kv/{enc(k)}#b", body={"value": 1}))
        assert "#" in assert_json_error(c.read_response(), 400)["error"]
        c.send(request_bytes("GET", "/kv?prefix=" + enc(k) + "#"))
        assert_json_error(c.read_response(), 400)
        c.send(request_bytes("GET", "/health"))
        assert c.read_response().status_code == 200, "the connection stays usable"
    assert shared_server.value_of(k) is MISSING
    assert shared_server.put_key(k + "#b", 2).status_code == 200  # %23 is the way to say it
    assert shared_server.list_keys(k) == [k + "#b"]


def test_request_line_over_16_kib_gets_an_http11_400(shared_server):
    """Netty's decoder calls an unreadable request HTTP/1.0; the answer used to say so to an HTTP/1.1 client."""
    with shared_server.raw() as c:
        c.send(request_bytes("GET", "/kv/" + "a" * (17 * 1024)))
        r = c.read_response()
        assert r.version == "HTTP/1.1", r
        assert_json_error(r, 400)
        assert c.wait_closed()


def test_every_json_answer_ends_with_a_newline_counted_in_its_length(shared_server):
    """So that curl's output does not run into the prompt (issue 17)."""
    k = uid() + "nl"
    with shared_server.raw() as c:
        for request in (request_bytes("PUT", "/kv/" + enc(k), body={"value": 1}), request_bytes("GET", "/kv/" + enc(k)),
                        request_bytes("GET", "/kv/" + enc(k) + "-missing"), request_bytes("GET", "/kv?prefix=" + enc(k)),
                        request_bytes("POST", "/kv/batch", body={"operations": []}), request_bytes("GET", "/stats"),
                        request_bytes("GET", "/health"), request_bytes("GET", "/nowhere"),
                        request_bytes("PUT", "/kv/" + enc(k), body="not json")):
            c.send(request)
            r = c.read_response()
            assert r.body.endswith(b"}\n") and int(r.headers["content-length"]) == len(r.body), r
            r.json()


def test_options_is_answered_204_with_the_paths_methods_and_the_connection_goes_on(shared_server):
    """An OPTIONS request without an Origin was counted as a 204 but never answered: the encoder could not edit the
    response's read-only headers, and the connection closed without a word."""
    with shared_server.raw() as c:
        c.send(request_bytes("OPTIONS", "/kv/" + uid()) + request_bytes("OPTIONS", "/ui/")
               + request_bytes("GET", "/health"))
        item, ui, health = (c.read_response() for _ in range(3))
    assert item.status_code == 204 and item.headers.get("allow") == "GET, PUT, DELETE", item
    assert "content-length" not in item.headers and item.body == b""
    assert ui.status_code == 204 and ui.headers.get("allow") == "GET", ui
    assert health.status_code == 200 and health.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/ui/", "/ui/app.js", "/kv/x", "/health"])
def test_head_gets_405_with_allow_on_every_route_the_console_included(shared_server, path):
    """No route takes HEAD: the console's files answer it as every other route does."""
    with shared_server.raw() as c:
        c.send(request_bytes("HEAD", path) + request_bytes("GET", "/health"))
        head = c.read_response(head_request=True)
        after = c.read_response()
    assert head.status_code == 405 and "GET" in head.headers.get("allow", ""), head
    assert head.body == b"", "an answer to HEAD has no body"
    assert after.status_code == 200 and after.json() == {"status": "ok"}, "the connection goes on after it"
