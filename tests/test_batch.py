"""POST /kv/batch: result shapes, validation, ordering, all-or-nothing."""
import json

import pytest

from conftest import MISSING, assert_fields, assert_json_error, enc, jloads, uid


def ok_batch(srv, ops):
    r = srv.batch(ops)
    assert r.status_code == 200, (r.status_code, r.text)
    assert "application/json" in r.headers.get("content-type", "")
    body = jloads(r.content)
    assert body["success"] is True
    assert isinstance(body["results"], list) and len(body["results"]) == len(ops), body
    return body["results"]


def test_all_result_shapes(shared_server):
    p = uid()
    assert shared_server.put_key(p + "old", "o").status_code == 200
    res = ok_batch(shared_server, [
        {"op": "set", "key": p + "new", "value": {"n": 1}},  # created
        {"op": "set", "key": p + "old", "value": "o2"},  # replaced
        {"op": "get", "key": p + "new"},  # hit
        {"op": "get", "key": p + "nope"},  # miss
        {"op": "delete", "key": p + "old"},  # hit
        {"op": "delete", "key": p + "nope"},  # miss: does not fail the batch
    ])
    assert_fields(res[0], {"success": True, "key": p + "new", "created": True})
    assert_fields(res[1], {"success": True, "key": p + "old", "created": False})
    assert_fields(res[2], {"key": p + "new", "value": {"n": 1}})
    assert_fields(res[3], {"key": p + "nope", "error": "key not found"})
    assert "value" not in res[3], res[3]
    assert_fields(res[4], {"success": True, "deleted": True, "key": p + "old"})
    assert_fields(res[5], {"success": False, "deleted": False, "key": p + "nope", "error": "key not found"})
    assert shared_server.value_of(p + "new") == {"n": 1}
    assert shared_server.value_of(p + "old") is MISSING


def test_get_of_null_value_is_not_a_miss(shared_server):
    p = uid()
    res = ok_batch(shared_server, [{"op": "set", "key": p + "n", "value": None}, {"op": "get", "key": p + "n"}])
    assert_fields(res[1], {"key": p + "n", "value": None})
    assert "error" not in res[1]


def test_empty_operations(shared_server):
    r = shared_server.batch([])
    assert r.status_code == 200, r.text
    assert_fields(jloads(r.content), {"success": True, "results": []})


@pytest.mark.parametrize("raw", ['{}', '{"ops":[]}', '{"operations":null}', '{"operations":"x"}',
                                 '{"operations":{}}', '{"operations":5}', '{"operations":{"op":"get","key":"a"}}'])
def test_operations_missing_or_not_array_400(shared_server, raw):
    assert_json_error(shared_server.batch(raw=raw), 400)


@pytest.mark.parametrize("raw", ["", "not json", "[]", '[{"op":"get","key":"a"}]', "null", '"x"',
                                 '{"operations":[]} trailing', '{"operations":[]}{}', '{"operations":['])
def test_batch_body_not_json_object_400(shared_server, raw):
    assert_json_error(shared_server.batch(raw=raw), 400)


BAD_OPS = [
    ("unknown-op", {"op": "frobnicate", "key": "k"}),
    ("missing-op", {"key": "k", "value": 1}),
    ("op-not-string", {"op": 1, "key": "k"}),
    ("op-case", {"op": "SET", "key": "k", "value": 1}),
    ("missing-key", {"op": "get"}),
    ("key-null", {"op": "get", "key": None}),
    ("key-number", {"op": "set", "key": 123, "value": 1}),
    ("key-empty", {"op": "delete", "key": ""}),
    ("key-too-long", {"op": "set", "key": "k" * 1025, "value": 1}),
    ("key-too-long-utf8", {"op": "get", "key": "é" * 513}),
    ("set-without-value", {"op": "set", "key": "k"}),
    ("ttl-string", {"op": "set", "key": "k", "value": 1, "ttl": "5"}),
    ("ttl-bool", {"op": "set", "key": "k", "value": 1, "ttl": True}),
    ("ttl-array", {"op": "set", "key": "k", "value": 1, "ttl": [1]}),
    ("op-not-object", 5),
    ("op-null", None),
    ("op-array", ["set", "k", 1]),
]


@pytest.mark.parametrize("name,bad", BAD_OPS, ids=[b[0] for b in BAD_OPS])
@pytest.mark.parametrize("index", [0, 2])
def test_bad_operation_reports_index_and_applies_nothing(shared_server, name, bad, index):
    p = uid()
    assert shared_server.put_key(p + "existing", "before").status_code == 200
    if isinstance(bad, dict) and isinstance(bad.get("key"), str) and bad["key"] and len(bad["key"]) < 100:
        bad = dict(bad, key=p + bad["key"])
    good = [
        {"op": "set", "key": p + "s1", "value": 1},
        {"op": "delete", "key": p + "existing"},
        {"op": "set", "key": p + "s2", "value": 2},
        {"op": "set", "key": p + "existing", "value": "after"},
    ]
    ops = good[:index] + [bad] + good[index:]
    r = shared_server.batch(ops)
    body = assert_json_error(r, 400)
    assert "index" in body, body
    assert body["index"] == index and not isinstance(body["index"], bool), body
    # nothing applied
    assert shared_server.value_of(p + "s1") is MISSING
    assert shared_server.value_of(p + "s2") is MISSING
    assert shared_server.value_of(p + "existing") == "before"
    assert shared_server.list_keys(p) == [p + "existing"]


def test_first_bad_operation_index_reported(shared_server):
    p = uid()
    ops = [{"op": "get", "key": p + "a"}, {"op": "nope", "key": "x"}, {"op": "set", "key": p + "b"}]
    body = assert_json_error(shared_server.batch(ops), 400)
    assert body["index"] == 1


def test_ttl_too_large_in_batch_400(shared_server):
    p = uid()
    raw = '{"operations":[{"op":"set","key":"' + p + 'a","value":1},{"op":"set","key":"' + p + 'b","value":1,"ttl":1e400}]}'
    body = assert_json_error(shared_server.batch(raw=raw), 400)
    assert body["index"] == 1
    assert shared_server.list_keys(p) == []


@pytest.mark.parametrize("op", ["get", "delete"])
def test_bad_ttl_on_any_operation_400(shared_server, op):
    p = uid()
    shared_server.put_key(p + "keep", 1)
    ops = [{"op": "set", "key": p + "a", "value": 1}, {"op": op, "key": p + "keep", "ttl": "soon"}]
    body = assert_json_error(shared_server.batch(ops), 400)
    assert body["index"] == 1
    assert shared_server.list_keys(p) == [p + "keep"]


def test_key_with_lone_surrogate_is_invalid(shared_server):
    p = uid()
    raw = '{"operations":[{"op":"set","key":"%sok","value":1},{"op":"set","key":"%s\\ud800","value":1}]}' % (p, p)
    body = assert_json_error(shared_server.batch(raw=raw), 400)
    assert body["index"] == 1
    assert shared_server.list_keys(p) == []


def test_get_sees_earlier_operations_in_same_batch(shared_server):
    p = uid()
    k = p + "k"
    res = ok_batch(shared_server, [
        {"op": "get", "key": k},
        {"op": "set", "key": k, "value": "v1"},
        {"op": "get", "key": k},
        {"op": "set", "key": k, "value": "v2"},
        {"op": "get", "key": k},
        {"op": "delete", "key": k},
        {"op": "get", "key": k},
        {"op": "delete", "key": k},
        {"op": "set", "key": k, "value": "v3"},
    ])
    assert_fields(res[0], {"key": k, "error": "key not found"})
    assert_fields(res[1], {"success": True, "key": k, "created": True})
    assert_fields(res[2], {"key": k, "value": "v1"})
    assert_fields(res[3], {"success": True, "key": k, "created": False})
    assert_fields(res[4], {"key": k, "value": "v2"})
    assert_fields(res[5], {"success": True, "deleted": True, "key": k})
    assert_fields(res[6], {"key": k, "error": "key not found"})
    assert_fields(res[7], {"success": False, "deleted": False, "key": k})
    assert_fields(res[8], {"success": True, "key": k, "created": True})
    assert shared_server.value_of(k) == "v3"


def test_batch_values_roundtrip_exactly(shared_server):
    p = uid()
    raw_vals = ["12345678901234567890123", "0.1", "1e400", '""', "[]", "{}", "null", "false",
                '"😀𝄞é"', '{"a":[1,{"b":null}]}']
    ops = ",".join('{"op":"set","key":"%s%d","value":%s}' % (p, i, v) for i, v in enumerate(raw_vals))
    gets = ",".join('{"op":"get","key":"%s%d"}' % (p, i) for i in range(len(raw_vals)))
    r = shared_server.batch(raw='{"operations":[' + ops + "," + gets + "]}")
    assert r.status_code == 200, r.text
    results = jloads(r.content)["results"]
    for i, v in enumerate(raw_vals):
        expected = jloads(v)
        assert results[len(raw_vals) + i]["value"] == expected, (v, results[len(raw_vals) + i])
        assert shared_server.value_of(f"{p}{i}") == expected, v


def test_batch_keys_are_not_percent_decoded(shared_server):
    # keys inside the JSON body are plain strings
    p = uid()
    ok_batch(shared_server, [{"op": "set", "key": p + "a%2Fb", "value": 1}])
    assert p + "a%2Fb" in shared_server.list_keys(p)
    assert shared_server.value_of(p + "a%2Fb") == 1


def test_batch_unicode_keys(shared_server):
    p = uid()
    k = p + "ключ😀"
    res = ok_batch(shared_server, [{"op": "set", "key": k, "value": "v"}, {"op": "get", "key": k}])
    assert_fields(res[1], {"key": k, "value": "v"})
    assert shared_server.value_of(k) == "v"


def test_batch_writes_visible_to_plain_requests(shared_server):
    p = uid()
    assert shared_server.put_key(p + "d", 1).status_code == 200
    ok_batch(shared_server, [{"op": "set", "key": p + "s", "value": [1, 2]}, {"op": "delete", "key": p + "d"}])
    assert shared_server.value_of(p + "s") == [1, 2]
    assert shared_server.value_of(p + "d") is MISSING
    assert jloads(shared_server.put_key(p + "s", 3).content)["created"] is False


def test_get_put_delete_on_kv_batch_address_key_batch(shared_server):
    # /kv/batch with GET/PUT/DELETE addresses the key "batch"
    shared_server.del_key("batch")
    r = shared_server.put("/kv/batch", json={"value": "the key named batch"})
    assert r.status_code == 200, r.text
    assert_fields(jloads(r.content), {"key": "batch", "created": True})
    r = shared_server.get("/kv/batch")
    assert r.status_code == 200
    assert_fields(jloads(r.content), {"key": "batch", "value": "the key named batch"})
    assert "batch" in shared_server.list_keys("batch")
    r = shared_server.delete("/kv/batch")
    assert r.status_code == 200
    assert_fields(jloads(r.content), {"deleted": True, "key": "batch"})


def test_large_batch(shared_server):
    p = uid()
    ops = [{"op": "set", "key": f"{p}{i:04d}", "value": i} for i in range(500)]
    res = ok_batch(shared_server, ops)
    assert all(x["created"] is True for x in res)
    assert shared_server.list_keys(p) == [f"{p}{i:04d}" for i in range(500)]
