"""Security: bearer token, protected mode, Origin and Host checks, and their flags."""
import json

import pytest
import requests

from conftest import MISSING, assert_json_error, enc, free_port, request_bytes, uid

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(f"  {TOKEN} \n")  # whitespace around the token is ignored
    return path


def start_locked(server_factory, **kw):
    """A server that needs the token: it is ready when /health (which needs none) answers."""
    srv = server_factory(start=False, **kw)
    srv.ready_path = "/health"
    return srv.start()


@pytest.fixture
def locked(server_factory, token_file):
    return start_locked(server_factory, args=["--auth-token-file", token_file])


def bearer(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(r):
    body = assert_json_error(r, 401)
    assert body["error"] == "unauthorized"
    assert r.headers.get("www-authenticate", "").lower().startswith("bearer"), r.headers


# ---------------------------------------------------------------- token
def test_token_required_for_every_request_but_health(locked):
    k = uid() + "auth"
    assert locked.get("/health").status_code == 200
    assert_unauthorized(locked.put("/kv/" + enc(k), data=json.dumps({"value": 1})))
    assert_unauthorized(locked.get("/kv/" + enc(k)))
    assert_unauthorized(locked.get("/stats"))
    assert_unauthorized(locked.get("/kv"))
    assert_unauthorized(locked.post("/kv/batch", data=json.dumps({"operations": []})))
    assert_unauthorized(locked.delete("/kv/" + enc(k)))
    assert locked.get("/kv/" + enc(k), headers=bearer()).status_code == 404, "the refused PUT wrote nothing"


def test_wrong_or_malformed_token_refused_right_one_served(locked):
    k = uid() + "auth"
    for header in [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer", f"Basic {TOKEN}", TOKEN, ""]:
        assert_unauthorized(locked.put("/kv/" + enc(k), data=json.dumps({"value": 1}),
                                       headers={"Authorization": header}))
    assert locked.put("/kv/" + enc(k), data=json.dumps({"value": 2}), headers=bearer()).status_code == 200
    r = locked.get("/kv/" + enc(k), headers={"Authorization": f"bearer   {TOKEN}"})
    assert r.status_code == 200 and r.json()["value"] == 2


def test_refused_request_keeps_the_connection_usable(locked):
    k = uid() + "keep"
    with locked.raw() as c:
        c.send(request_bytes("PUT", "/kv/" + enc(k), {"value": "no"}) + request_bytes("GET", "/health")
               + request_bytes("PUT", "/kv/" + enc(k), {"value": "yes"}, headers=bearer()))
        assert_unauthorized(c.read_response())
        assert c.read_response().status_code == 200
        assert c.read_response().status_code == 200
    assert locked.get("/kv/" + enc(k), headers=bearer()).json()["value"] == "yes"


def test_token_never_logged(locked):
    locked.get("/stats", headers=bearer("wrong-guess-123"))
    locked.get("/stats", headers=bearer())
    locked.stop()
    log = locked.stderr()
    assert TOKEN not in log and "wrong-guess-123" not in log, log


def test_token_file_from_environment(server_factory, token_file):
    srv = start_locked(server_factory, env={"KVSTORE_AUTH_TOKEN_FILE": str(token_file)})
    assert_unauthorized(srv.get("/stats"))
    assert srv.get("/stats", headers=bearer()).status_code == 200


@pytest.mark.parametrize("content,why", [(None, "cannot read"), ("", "no token"), ("  \n", "no token")],
                         ids=["missing", "empty", "blank"])
def test_unusable_token_file_one_line_exit_2(run_cli, tmp_path, content, why):
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    r = run_cli(["--port", free_port(), "--data-dir", tmp_path / "d", "--auth-token-file", path])
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--auth-token-file" in lines[0] and why in lines[0], r.stderr


# ---------------------------------------------------------------- protected mode
def test_non_loopback_host_without_token_refuses_to_start(run_cli, tmp_path):
    r = run_cli(["--host", "0.0.0.0", "--port", free_port(), "--data-dir", tmp_path / "d"])
    assert r.returncode not in (0, None) and not r.timed_out, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "--auth-token-file" in lines[0] and "--insecure-no-auth" in lines[0], lines[0]
    assert not (tmp_path / "d").exists(), "nothing may be touched before the refusal"


def test_insecure_no_auth_on_an_open_address_warns_once_plainly(server_factory):
    """Issue 17, hole 7: an open server without a token said so only in its INFO start-up line."""
    srv = server_factory(args=["--host", "0.0.0.0", "--insecure-no-auth"])
    warnings = [line for line in srv.stderr().splitlines() if " WARN " in line]
    assert len(warnings) == 1, srv.stderr()
    assert "--insecure-no-auth" in warnings[0] and "anyone" in warnings[0], warnings[0]


# ---------------------------------------------------------------- Origin
def test_browser_origin_refused_and_nothing_written(shared_server):
    k = uid() + "csrf"
    body = json.dumps({"operations": [{"op": "set", "key": k, "value": "pwned"}]})
    r = shared_server.post("/kv/batch", data=body,
                           headers={"Origin": "http://evil.example", "Content-Type": "text/plain"})
    assert assert_json_error(r, 403)["error"] == "cross-origin request refused"
    assert_json_error(shared_server.get("/kv", headers={"Origin": "null"}), 403)
    assert shared_server.value_of(k) is MISSING


def test_allowed_origin_served(server_factory):
    srv = server_factory(args=["--allowed-origins", "http://app.example, https://other.example"])
    k = uid() + "cors"
    assert srv.put_key(k, "ok").status_code == 200
    assert srv.get("/kv/" + enc(k), headers={"Origin": "https://other.example"}).status_code == 200
    assert srv.get("/kv/" + enc(k), headers={"Origin": "http://app.example"}).status_code == 200
    assert_json_error(srv.get("/kv/" + enc(k), headers={"Origin": "http://app.example.evil"}), 403)


CORS_HEADERS = {"authorization", "content-type", "if-match", "if-none-match", "last-event-id"}


def header_set(value):
    return {v.strip().lower() for v in (value or "").split(",") if v.strip()}


def test_allowed_origin_gets_cors_answers_and_preflights_work_without_the_token(server_factory, token_file):
    """Issue 17, hole 3: an allowed origin got no Access-Control-Allow-Origin and its preflight got 405, so no
    browser page could use the API. A preflight carries no token (browsers send none); the request after it does."""
    srv = start_locked(server_factory, args=["--auth-token-file", token_file,
                                             "--allowed-origins", "https://app.example"])
    k = uid() + "cors"
    origin = {"Origin": "https://app.example"}
    pre = srv.request("OPTIONS", "/kv/" + enc(k), headers={
        **origin, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})
    assert pre.status_code == 204, (pre.status_code, pre.text)
    assert pre.headers.get("access-control-allow-origin") == "https://app.example"
    assert {"GET", "PUT", "POST", "DELETE"} <= {m.upper() for m in header_set(pre.headers.get("access-control-allow-methods"))}
    assert CORS_HEADERS <= header_set(pre.headers.get("access-control-allow-headers"))
    assert "origin" in header_set(pre.headers.get("vary"))

    r = srv.put("/kv/" + enc(k), data=json.dumps({"value": 1}), headers={**origin, **bearer()})
    assert r.status_code == 200, r.text
    assert r.headers.get("access-control-allow-origin") == "https://app.example"
    assert {"etag", "x-kvstore-revision"} <= header_set(r.headers.get("access-control-expose-headers"))
    refused = srv.get("/kv/" + enc(k), headers=origin)  # no token: the page may read why
    assert_unauthorized(refused)
    assert refused.headers.get("access-control-allow-origin") == "https://app.example"
    plain = srv.get("/kv/" + enc(k), headers=bearer())
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


def test_other_origins_stay_refused_preflight_included(server_factory):
    srv = server_factory(args=["--allowed-origins", "https://app.example"])
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}
    r = srv.request("OPTIONS", "/kv/x", headers=evil)
    assert assert_json_error(r, 403)["error"] == "cross-origin request refused"
    assert "access-control-allow-origin" not in r.headers
    r = srv.put("/kv/x", data=json.dumps({"value": 1}), headers={"Origin": "https://evil.example"})
    assert_json_error(r, 403)
    assert "access-control-allow-origin" not in r.headers
    assert srv.value_of("x") is MISSING


# ---------------------------------------------------------------- Host (DNS rebinding)
def raw_get_status(srv, host, path="/health"):
    with srv.raw() as c:
        c.send(request_bytes("GET", path, host=host))
        return c.read_response()


def test_rebound_host_name_refused_on_loopback(shared_server):
    r = raw_get_status(shared_server, "attacker.example", "/kv")
    assert assert_json_error(r, 403)["error"] == "host not allowed"
    assert_json_error(raw_get_status(shared_server, "attacker.example:8080", "/stats"), 403)
    for host in ["localhost", f"localhost:{shared_server.port}", "127.0.0.1", "127.0.0.1:1", "[::1]",
                 "[::1]:8080", "LOCALHOST"]:
        assert raw_get_status(shared_server, host).status_code == 200, host
    # what HTTP libraries send by themselves is accepted: the default server works for them unchanged
    k = uid() + "plain"
    assert requests.put(shared_server.url + "/kv/" + enc(k), data=json.dumps({"value": 1}), timeout=10).ok
    assert requests.get(f"http://localhost:{shared_server.port}/kv/" + enc(k), timeout=10).status_code == 200


def test_allowed_hosts_flag_and_environment(server_factory):
    srv = server_factory(args=["--allowed-hosts", "kv.internal"],
                         env={"KVSTORE_ALLOWED_HOSTS": "ignored.example"})
    assert raw_get_status(srv, "kv.internal:9000").status_code == 200
    assert_json_error(raw_get_status(srv, "ignored.example"), 403)
    srv2 = server_factory(env={"KVSTORE_ALLOWED_HOSTS": "from-env.example"})
    assert raw_get_status(srv2, "from-env.example").status_code == 200


def test_refused_request_that_asked_for_close_is_closed(locked):
    with locked.raw() as c:
        c.send(request_bytes("GET", "/stats", headers={"Connection": "close"}))
        r = c.read_response()
        assert_unauthorized(r)
        assert r.headers.get("connection", "").lower() == "close"
        assert c.wait_closed(timeout=10)
