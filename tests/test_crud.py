"""GET/PUT/DELETE /kv/{key}: keys, values, created flag, response fields."""
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MISSING, assert_fields, assert_json_error, enc, jloads, uid


def is_json(resp):
    return "application/json" in resp.headers.get("content-type", "").lower()


# ------------------------------------------------------------------ basic CRUD
def test_put_new_key_response_fields(shared_server):
    k = uid() + "new"
    r = shared_server.put_key(k, "hello")
    assert r.status_code == 200, r.text
    assert is_json(r)
    assert_fields(jloads(r.content), {"success": True, "key": k, "value": "hello", "created": True})


def test_get_existing_key_response_fields(shared_server):
    k = uid() + "get"
    assert shared_server.put_key(k, {"a": 1}).status_code == 200
    r = shared_server.get_key(k)
    assert r.status_code == 200
    assert is_json(r)
    body = jloads(r.content)
    assert body["key"] == k
    assert body["value"] == {"a": 1}


def test_put_existing_key_replaces_and_created_false(shared_server):
    k = uid() + "replace"
    assert jloads(shared_server.put_key(k, 1).content)["created"] is True
    r = shared_server.put_key(k, [2])
    assert r.status_code == 200
    body = jloads(r.content)
    assert body["created"] is False
    assert body["success"] is True and body["key"] == k and body["value"] == [2]
    assert shared_server.value_of(k) == [2]


def test_get_missing_key_404(shared_server):
    r = shared_server.get_key(uid() + "missing")
    body = assert_json_error(r, 404)
    assert body["error"] == "key not found"


def test_delete_existing_then_missing(shared_server):
    k = uid() + "del"
    assert shared_server.put_key(k, "x").status_code == 200
    r = shared_server.del_key(k)
    assert r.status_code == 200, r.text
    assert is_json(r)
    body = jloads(r.content)
    assert body["success"] is True and body["deleted"] is True and body["key"] == k
    assert shared_server.get_key(k).status_code == 404
    r2 = shared_server.del_key(k)
    assert assert_json_error(r2, 404)["error"] == "key not found"


def test_delete_never_existing_404(shared_server):
    r = shared_server.del_key(uid() + "never")
    assert assert_json_error(r, 404)["error"] == "key not found"


def test_created_true_again_after_delete(shared_server):
    k = uid() + "recreate"
    assert jloads(shared_server.put_key(k, 1).content)["created"] is True
    assert shared_server.del_key(k).status_code == 200
    assert jloads(shared_server.put_key(k, 2).content)["created"] is True
    assert shared_server.value_of(k) == 2


# ------------------------------------------------------------------ keys
def test_percent_encoded_slash_is_part_of_key(shared_server):
    p = uid()
    r = shared_server.put("/kv/" + p + "a%2Fb", json={"value": 1})
    assert r.status_code == 200, r.text
    assert jloads(r.content)["key"] == p + "a/b"
    r = shared_server.get("/kv/" + p + "a%2Fb")
    assert r.status_code == 200
    assert jloads(r.content)["key"] == p + "a/b"
    assert p + "a/b" in shared_server.list_keys(p)


def test_raw_slash_in_path_is_part_of_key(shared_server):
    # routing decision: everything after /kv/ is the key, /kv/a/b is "a/b"
    p = uid()
    assert shared_server.put("/kv/" + p + "x%2Fy", json={"value": "slash"}).status_code == 200
    r = shared_server.get("/kv/" + p + "x/y")
    assert r.status_code == 200, r.text
    assert_fields(jloads(r.content), {"key": p + "x/y", "value": "slash"})


def test_plus_is_literal(shared_server):
    p = uid()
    r = shared_server.http("PUT", "/kv/" + p + "a+b", body=json.dumps({"value": "plus"}))
    assert r.status_code == 200, r
    assert r.json()["key"] == p + "a+b"
    # the same key spelled %2B
    r = shared_server.http("GET", "/kv/" + p + "a%2Bb")
    assert r.status_code == 200 and r.json()["value"] == "plus"
    # the space key is a different, absent key
    assert shared_server.http("GET", "/kv/" + p + "a%20b").status_code == 404
    assert p + "a+b" in shared_server.list_keys(p)
    assert p + "a b" not in shared_server.list_keys(p)


def test_percent_encoded_space(shared_server):
    p = uid()
    r = shared_server.http("PUT", "/kv/" + p + "a%20b", body=json.dumps({"value": 1}))
    assert r.status_code == 200
    assert r.json()["key"] == p + "a b"


def test_keys_are_case_sensitive(shared_server):
    p = uid()
    assert shared_server.put_key(p + "Key", "upper").status_code == 200
    assert shared_server.put_key(p + "key", "lower").status_code == 200
    assert shared_server.value_of(p + "Key") == "upper"
    assert shared_server.value_of(p + "key") == "lower"
    assert shared_server.value_of(p + "KEY") is MISSING


def test_unicode_key_roundtrip(shared_server):
    k = uid() + "ключ-🔑-é-中文"
    r = shared_server.put_key(k, "v")
    assert r.status_code == 200
    assert jloads(r.content)["key"] == k
    r = shared_server.get_key(k)
    assert jloads(r.content)["key"] == k
    assert k in shared_server.list_keys(k[:10])


def test_dot_keys_are_plain_keys(shared_server):
    # "%2E%2E" decodes to the key "..": a key like any other, no path normalisation
    r = shared_server.http("PUT", "/kv/%2E%2E", body=json.dumps({"value": "dotdot"}))
    assert r.status_code == 200, r
    assert r.json()["key"] == ".."
    r = shared_server.http("GET", "/kv/%2E%2E")
    assert r.status_code == 200 and r.json()["value"] == "dotdot"


def test_query_string_is_not_part_of_key(shared_server):
    p = uid()
    r = shared_server.http("PUT", "/kv/" + p + "q?x=1", body=json.dumps({"value": "q"}))
    assert r.status_code == 200, r
    assert r.json()["key"] == p + "q"
    assert shared_server.value_of(p + "q") == "q"
    # an encoded question mark is part of the key
    r = shared_server.http("PUT", "/kv/" + p + "a%3Fb", body=json.dumps({"value": "qm"}))
    assert r.status_code == 200 and r.json()["key"] == p + "a?b"
    assert shared_server.list_keys(p) == [p + "a?b", p + "q"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_empty_key_is_400(shared_server, method):
    body = json.dumps({"value": 1}) if method == "PUT" else None
    r = shared_server.http(method, "/kv/", body=body)
    assert_json_error(r, 400)


def test_get_kv_slash_is_not_listing(shared_server):
    r = shared_server.get("/kv/")
    assert r.status_code == 400
    assert "keys" not in jloads(r.content)


@pytest.mark.parametrize("key", ["a" * 1024, "é" * 512, "😀" * 256, "x" * 1020 + "😀"],
                         ids=["ascii1024", "2byte1024", "4byte1024", "mixed1024"])
def test_key_of_1024_bytes_allowed(shared_server, key):
    assert len(key.encode()) == 1024
    r = shared_server.put_key(key, "long")
    assert r.status_code == 200, r.text
    assert jloads(r.content)["key"] == key
    assert shared_server.value_of(key) == "long"
    assert shared_server.del_key(key).status_code == 200


@pytest.mark.parametrize("key", ["a" * 1025, "é" * 512 + "a", "😀" * 256 + "b", "é" * 1000],
                         ids=["ascii1025", "2byte1025", "4byte1025", "2byte2000"])
def test_key_over_1024_bytes_rejected(shared_server, key):
    assert len(key.encode()) > 1024
    assert_json_error(shared_server.put_key(key, "long"), 400)
    assert_json_error(shared_server.get_key(key), 400)
    assert_json_error(shared_server.del_key(key), 400)
    assert key not in shared_server.list_keys(key[:3])


def assert_bad_key_path_400(srv, bad):
    """GET, PUT and DELETE of /kv/<unique prefix><bad> (sent as is) all answer a JSON 400; nothing is stored."""
    p = uid()
    for method in ("GET", "PUT", "DELETE"):
        body = json.dumps({"value": 1}) if method == "PUT" else None
        r = srv.http(method, "/kv/" + p + bad, body=body)
        assert_json_error(r, 400)
    assert srv.list_keys(p) == []


@pytest.mark.parametrize("bad", ["%zz", "%", "%2", "abc%", "a%G0", "%%41"])
def test_invalid_percent_encoding_400(shared_server, bad):
    assert_bad_key_path_400(shared_server, bad)


@pytest.mark.parametrize("bad", ["%FF", "%C3%28", "%E2%82", "%C0%AF", "%ED%A0%80", "%F8%88%80%80%80", "a%80b"],
                         ids=["ff", "bad-continuation", "truncated", "overlong", "surrogate", "5byte", "lone-cont"])
def test_invalid_utf8_key_400(shared_server, bad):
    assert_bad_key_path_400(shared_server, bad)


# ------------------------------------------------------------------ values
RAW_VALUES = [
    '"hello"', '""', '0', '-1', '42', '3.14', '-2.5e-3', '12345678901234567890123',
    '-98765432109876543210987654321', '0.1', '1e400', '-1e400', '1E-400', '1e22',
    '3.141592653589793238462643383279502884197', '1.0000000000000000000001',
    '0.30000000000000000000000000000001', '9007199254740993', '-0', '-0.0', '1E+2', '2.50', '0e0',
    '1.5e-10', '123456789012345678901234567890.123456789012345678901234567890',
    'true', 'false', 'null', '[]', '{}', '[[]]', '{"":{}}',
    '[1,"a",null,true,false,{"x":[]},[0.1,12345678901234567890123]]',
    '{"a":{"b":[1,2,{"c":null}]},"d":"e"}',
    '"ünïcödé 中文 😀 𝄞"', '"\\u0000\\u001f\\"\\\\/\\b\\f\\n\\r\\t"', '"\\ud83d\\ude00"',
    '"' + "x" * 10000 + '"', '{"nested":' * 20 + '1' + '}' * 20,
]


def _same_json(a, b):
    """Structural equality where numbers compare exactly (int/Decimal)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        return Decimal(a) == Decimal(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _roundtrip(srv, key, raw_value):
    body = ('{"value":' + raw_value + '}').encode("utf-8")
    expected = jloads(raw_value)
    r = srv.put_key(key, raw=body)
    assert r.status_code == 200, (raw_value, r.status_code, r.text)
    assert _same_json(jloads(r.content)["value"], expected), (raw_value, r.text)
    g = srv.get_key(key)
    assert g.status_code == 200
    got = jloads(g.content)
    assert got["key"] == key
    assert _same_json(got["value"], expected), f"wrote {raw_value!r}, read back {g.text!r}"
    return g


@pytest.mark.parametrize("raw_value", RAW_VALUES)
def test_value_roundtrip_exact(shared_server, raw_value):
    _roundtrip(shared_server, uid() + "val", raw_value)


@pytest.mark.parametrize("raw_value", ["12345678901234567890123", "0.1", "1e400"])
def test_contract_numbers_keep_digits_in_raw_text(shared_server, raw_value):
    g = _roundtrip(shared_server, uid() + "num", raw_value)
    text = g.content.decode()
    # the raw JSON text must carry the same number (any exponent spelling), never a rounded double
    assert "Infinity" not in text and "inf" not in text.lower()
    if raw_value == "12345678901234567890123":
        assert raw_value in text, text
    if raw_value == "1e400":
        num = jloads(text)["value"]
        assert isinstance(num, Decimal) and num == Decimal("1e400"), text


def test_value_containing_astral_chars_raw_bytes(shared_server):
    k = uid() + "astral"
    s = "a😀b𝄞c\U0010FFFF"
    assert shared_server.put_key(k, s).status_code == 200
    g = shared_server.get_key(k)
    assert jloads(g.content)["value"] == s


def test_put_body_with_escaped_unicode(shared_server):
    k = uid() + "esc"
    r = shared_server.put_key(k, raw='{"value":"\\u00e9\\ud83d\\ude00"}')
    assert r.status_code == 200
    assert shared_server.value_of(k) == "é😀"


def test_put_body_with_trailing_whitespace_ok(shared_server):
    k = uid() + "ws"
    r = shared_server.put_key(k, raw=' \n{ "value" : [ 1 , 2 ] } \r\n\t ')
    assert r.status_code == 200, r.text
    assert shared_server.value_of(k) == [1, 2]


def test_put_body_with_extra_members_ok(shared_server):
    k = uid() + "extra"
    r = shared_server.put_key(k, raw='{"value":5,"comment":"ignored"}')
    assert r.status_code == 200, r.text
    assert shared_server.value_of(k) == 5


# ------------------------------------------------------------------ property-based
def _num_text(d):
    return str(d)


json_scalars = (
    st.none() | st.booleans()
    | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
    | st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: abs(d.as_tuple().exponent) < 500)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def to_json(v):
    if isinstance(v, Decimal):
        return _num_text(v)
    if v is None or isinstance(v, (bool, int, str)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + to_json(x) for k, x in v.items()) + "}"


keys = st.text(min_size=1, max_size=40).filter(lambda k: k not in (".", "..") and len(k.encode()) <= 1024)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_property_value_roundtrip(shared_server, value):
    raw = to_json(value)
    _roundtrip(shared_server, "hyp-value-" + uid(), raw)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=keys)
def test_property_key_roundtrip(shared_server, key):
    p = "hyp-key-" + uid()
    full = p + key
    r = shared_server.put_key(full, key)
    assert r.status_code == 200, (full, r.text)
    assert jloads(r.content)["key"] == full
    g = shared_server.get_key(full)
    assert g.status_code == 200
    assert_fields(jloads(g.content), {"key": full, "value": key})
    assert shared_server.list_keys(p) == [full]
    assert shared_server.del_key(full).status_code == 200
