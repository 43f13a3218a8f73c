"""Error handling: 400 bodies, 413, 404, 405 + Allow, JSON error bodies everywhere."""
import json
import socket

import pytest

from conftest import MISSING, RawConn, assert_json_error, enc, jloads, request_bytes, uid


# ------------------------------------------------------------------ 400 on PUT
BAD_PUT_BODIES = [
    ("empty", b""),
    ("not-json", b"hello"),
    ("truncated", b'{"value":1'),
    ("single-quotes", b"{'value':1}"),
    ("trailing-text", b'{"value":1} x'),
    ("trailing-object", b'{"value":1}{"value":2}'),
    ("trailing-comma", b'{"value":1,}'),
    ("trailing-number", b'{"value":1} 2'),
    ("array", b'[{"value":1}]'),
    ("string", b'"value"'),
    ("number", b"1"),
    ("null", b"null"),
    ("true", b"true"),
    ("no-value", b"{}"),
    ("only-ttl", b'{"ttl":5}'),
    ("wrong-case", b'{"Value":1}'),
    ("nan", b'{"value":NaN}'),
    ("infinity", b'{"value":Infinity}'),
    ("leading-zero", b'{"value":01}'),
    ("bad-escape", b'{"value":"\\x"}'),
    ("unquoted", b'{"value":abc}'),
    ("comment", b'{"value":1 /* c */}'),
    ("invalid-utf8", b'{"value":"\xff"}'),
    ("ttl-string", b'{"value":1,"ttl":"5"}'),
    ("ttl-too-large", b'{"value":1,"ttl":1e400}'),
]


@pytest.mark.parametrize("name,body", BAD_PUT_BODIES, ids=[b[0] for b in BAD_PUT_BODIES])
def test_bad_put_body_400_nothing_written(shared_server, name, body):
    k = uid() + "bad"
    assert_json_error(shared_server.put_key(k, raw=body), 400)
    assert shared_server.value_of(k) is MISSING
    assert k not in shared_server.list_keys(k)
    # an existing key keeps its value
    assert shared_server.put_key(k, "orig").status_code == 200
    assert_json_error(shared_server.put_key(k, raw=body), 400)
    assert shared_server.value_of(k) == "orig"


# Byte sequences a lenient decoder reads as another character (both overlong forms spell "/") or as half a
# surrogate pair: well-formed UTF-8 refuses all of them.
NOT_UTF8 = [
    ("overlong-2-bytes", b"\xc0\xaf"),
    ("overlong-3-bytes", b"\xe0\x80\xaf"),
    ("encoded-surrogate", b"\xed\xa0\x80"),
    ("past-u10ffff", b"\xf4\x90\x80\x80"),
    ("truncated", b"\xe2\x82"),
]


def send_raw(srv, method, path, body):
    with srv.raw() as c:
        c.send(request_bytes(method, path, body, headers={"Content-Type": "application/json"}))
        return c.read_response()


def assert_not_utf8_error(resp):
    body = assert_json_error(resp, 400)
    assert "not valid UTF-8" in body["error"], body


@pytest.mark.parametrize("name,bad", NOT_UTF8, ids=[b[0] for b in NOT_UTF8])
def test_value_that_is_not_utf8_400_nothing_written(shared_server, name, bad):
    k = uid() + "utf8"
    assert_not_utf8_error(send_raw(shared_server, "PUT", "/kv/" + enc(k), b'{"value":"a' + bad + b'b"}'))
    assert shared_server.value_of(k) is MISSING
    assert shared_server.put_key(k, "orig").status_code == 200
    assert_not_utf8_error(send_raw(shared_server, "PUT", "/kv/" + enc(k), b'{"value":["' + bad + b'"]}'))
    assert shared_server.value_of(k) == "orig"


@pytest.mark.parametrize("name,bad", NOT_UTF8, ids=[b[0] for b in NOT_UTF8])
def test_batch_value_or_key_that_is_not_utf8_400_nothing_written(shared_server, name, bad):
    p = uid() + "utf8"
    good = f'{{"op":"set","key":"{p}good","value":1}}'.encode()
    bad_value = f'{{"op":"set","key":"{p}v","value":"'.encode() + bad + b'"}'
    bad_key = f'{{"op":"set","key":"{p}k'.encode() + bad + b'","value":1}'
    for op in (bad_value, bad_key):
        resp = send_raw(shared_server, "POST", "/kv/batch", b'{"operations":[' + good + b"," + op + b"]}")
        assert_not_utf8_error(resp)
    assert shared_server.list_keys(p) == [], "a batch with bytes that are not UTF-8 wrote something"


def test_put_without_content_type_still_json(shared_server):
    k = uid() + "noct"
    r = shared_server.put("/kv/" + enc(k), data=b'{"value":7}')
    assert r.status_code == 200, r.text
    assert shared_server.value_of(k) == 7


# ------------------------------------------------------------------ 413
def send_with_body(host, port, head, body):
    """Send a request whose body may be rejected early; return the parsed response."""
    with RawConn(host, port, timeout=15) as c:
        c.send(head)
        try:
            c.sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return c.read_response()


def put_head(key, length, extra=""):
    return (f"PUT /kv/{enc(key)} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n")


def test_default_limit_is_1mib(shared_server):
    k = uid() + "big"
    # a 1 MiB body exactly is accepted (not larger than the limit)
    pad = 1024 * 1024 - len('{"value":""}')
    body = ('{"value":"' + "x" * pad + '"}').encode()
    assert len(body) == 1024 * 1024
    r = shared_server.put_key(k, raw=body)
    assert r.status_code == 200, r.text[:200]
    assert len(shared_server.value_of(k)) == pad


def test_body_over_1mib_413(shared_server):
    k = uid() + "huge"
    body = ('{"value":"' + "x" * (1024 * 1024 + 10) + '"}').encode()
    r = send_with_body(shared_server.host, shared_server.port, put_head(k, len(body)), body)
    assert_json_error(r, 413)
    assert shared_server.value_of(k) is MISSING


def test_body_much_larger_than_limit_413(shared_server):
    k = uid() + "huge8"
    body = b'{"value":"' + b"y" * (8 * 1024 * 1024) + b'"}'
    r = send_with_body(shared_server.host, shared_server.port, put_head(k, len(body)), body)
    assert_json_error(r, 413)
    assert shared_server.value_of(k) is MISSING


@pytest.fixture(scope="module")
def small_body_server(tmp_path_factory):
    from conftest import Server, require_jar
    require_jar()
    s = Server(tmp_path_factory.mktemp("smallbody"), args=["--max-body", "1KiB"])
    try:
        s.start()
        yield s
    finally:
        s.close()


def body_of_size(n):
    pad = n - len('{"value":""}')
    b = ('{"value":"' + "z" * pad + '"}').encode()
    assert len(b) == n
    return b


def test_small_limit_boundary(small_body_server):
    srv = small_body_server
    k = uid() + "edge"
    r = srv.put_key(k, raw=body_of_size(1024))
    assert r.status_code == 200, r.text
    k2 = uid() + "over"
    r = srv.put_key(k2, raw=body_of_size(1025))
    assert_json_error(r, 413)
    assert srv.value_of(k2) is MISSING
    assert srv.value_of(k) == "z" * (1024 - 12)


def test_small_limit_batch_413(small_body_server):
    srv = small_body_server
    p = uid()
    ops = [{"op": "set", "key": f"{p}{i}", "value": "v" * 50} for i in range(30)]
    raw = json.dumps({"operations": ops})
    assert len(raw) > 1024
    assert_json_error(srv.batch(raw=raw), 413)
    assert srv.list_keys(p) == []


def test_small_limit_chunked_body_413(small_body_server):
    srv = small_body_server
    k = uid() + "chunked"
    body = body_of_size(3000)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 500]), body[i:i + 500]) for i in range(0, len(body), 500))
    head = (f"PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n")
    r = send_with_body(srv.host, srv.port, head, chunks + b"0\r\n\r\n")
    assert_json_error(r, 413)
    assert srv.value_of(k) is MISSING


def test_small_limit_server_still_serves_after_413(small_body_server):
    srv = small_body_server
    k = uid() + "after"
    assert srv.put_key(k, raw=body_of_size(5000)).status_code == 413
    assert srv.put_key(k, "ok").status_code == 200
    assert srv.value_of(k) == "ok"


# ------------------------------------------------------------------ 404 / 405
@pytest.mark.parametrize("path", ["/", "/nope", "/kvx", "/kv2/a", "/stats/x", "/health/x", "/KV/a", "/Stats",
                                  "/favicon.ico", "/kvbatch"])
def test_unknown_path_404_json(shared_server, path):
    r = shared_server.get(path)
    assert_json_error(r, 404)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_unknown_path_any_method_404_json(shared_server, method):
    r = shared_server.request(method, "/no/such/thing", data=b"{}")
    assert_json_error(r, 404)


def allow_set(resp):
    assert "allow" in {k.lower() for k in resp.headers}, dict(resp.headers)
    return {m.strip().upper() for m in resp.headers["allow"].split(",") if m.strip()}


@pytest.mark.parametrize("method,path,allowed", [
    ("POST", "/kv/somekey", {"GET", "PUT", "DELETE"}),
    ("PATCH", "/kv/somekey", {"GET", "PUT", "DELETE"}),
    ("PUT", "/kv", {"GET"}),
    ("POST", "/kv", {"GET"}),
    ("DELETE", "/kv", {"GET"}),
    ("POST", "/stats", {"GET"}),
    ("PUT", "/stats", {"GET"}),
    ("DELETE", "/health", {"GET"}),
    ("POST", "/health", {"GET"}),
    ("PATCH", "/kv/batch", {"GET", "PUT", "DELETE", "POST"}),
])
def test_405_with_allow_header(shared_server, method, path, allowed):
    r = shared_server.request(method, path, data=b'{"value":1}')
    assert_json_error(r, 405)
    got = allow_set(r)
    if path == "/kv/batch":
        # /kv/batch is both the batch endpoint (POST) and the key "batch" (GET, PUT, DELETE)
        assert {"GET", "PUT", "DELETE"} <= got, got
    else:
        assert got == allowed, got


def test_405_does_not_write(shared_server):
    k = uid() + "post"
    assert shared_server.post("/kv/" + enc(k), data=b'{"value":1}').status_code == 405
    assert shared_server.value_of(k) is MISSING


# ------------------------------------------------------------------ JSON everywhere
def test_success_responses_are_json(shared_server):
    k = uid() + "ct"
    for r in (shared_server.put_key(k, 1), shared_server.get_key(k), shared_server.get("/kv"),
              shared_server.get("/kv?prefix=x"), shared_server.batch([]), shared_server.get("/stats"),
              shared_server.get("/health"), shared_server.del_key(k)):
        assert r.status_code == 200
        assert "application/json" in r.headers.get("content-type", "").lower(), r.headers
        jloads(r.content)


def test_error_bodies_never_html_or_stacktrace(shared_server):
    responses = [
        shared_server.get("/kv/" + uid()),
        shared_server.put("/kv/x", data=b"{"),
        shared_server.post("/kv/batch", data=b"[1]"),
        shared_server.get("/what"),
        shared_server.post("/stats"),
        shared_server.http("GET", "/kv/%zz"),
        shared_server.http("GET", "/kv/"),
    ]
    for r in responses:
        assert r.status_code in (400, 404, 405), r
        text = r.content.decode() if hasattr(r, "content") else r.body.decode()
        assert "<html" not in text.lower()
        assert "Exception" not in text and "\tat " not in text, text
        assert_json_error(r)


def test_health(shared_server):
    r = shared_server.get("/health")
    assert r.status_code == 200
    assert "application/json" in r.headers.get("content-type", "")
    assert jloads(r.content)["status"] == "ok"
