"""GET /kv?prefix=&limit=&after=: listing a keyspace a page at a time, with "next" exactly when more follow."""
import pytest

from conftest import assert_json_error, enc, jloads, uid


def load(srv, keys):
    """Sets every key through batches of 100 (value: the key itself)."""
    keys = list(keys)
    for i in range(0, len(keys), 100):
        r = srv.batch([{"op": "set", "key": k, "value": k} for k in keys[i:i + 100]])
        assert r.status_code == 200, r.text


def page(srv, prefix, limit, after=None):
    path = f"/kv?prefix={enc(prefix)}&limit={limit}"
    if after is not None:
        path += "&after=" + enc(after)
    r = srv.get(path)
    assert r.status_code == 200, (r.status_code, r.text)
    body = jloads(r.content)
    assert isinstance(body.pop("revision"), int), body  # what it reflects: test_revisions.py
    return body


def walk(srv, prefix, limit):
    """Every key of prefix, page by page; checks the shape of each page on the way."""
    keys, after, pages = [], None, 0
    while True:
        body = page(srv, prefix, limit, after)
        pages += 1
        assert len(body["keys"]) <= limit
        keys += body["keys"]
        if "next" not in body:
            return keys, pages
        assert body["next"] == body["keys"][-1]
        after = body["next"]


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


@pytest.mark.parametrize("limit", [1, 7, 100, 10000])
def test_walking_pages_gives_the_full_listing(shared_server, limit):
    p = uid()
    load(shared_server, [f"{p}{i:04d}" for i in range(250)])
    walked, pages = walk(shared_server, p, limit)
    assert walked == shared_server.list_keys(p)
    assert len(walked) == 250
    assert pages == max(1, -(-250 // limit))


def test_next_present_exactly_when_more_keys_follow(shared_server):
    p = uid()
    load(shared_server, [p + "a", p + "b", p + "c", p + "d"])
    assert page(shared_server, p, 2) == {"keys": [p + "a", p + "b"], "next": p + "b"}
    assert page(shared_server, p, 2, after=p + "b") == {"keys": [p + "c", p + "d"]}, "the last page has no next"
    assert page(shared_server, p, 4) == {"keys": [p + "a", p + "b", p + "c", p + "d"]}
    assert page(shared_server, p, 3) == {"keys": [p + "a", p + "b", p + "c"], "next": p + "c"}
    assert page(shared_server, p, 5, after=p + "d") == {"keys": []}


def test_after_need_not_be_a_key_and_is_exclusive(shared_server):
    p = uid()
    load(shared_server, [p + "a", p + "b", p + "c"])
    assert page(shared_server, p, 10, after=p + "a")["keys"] == [p + "b", p + "c"]
    assert page(shared_server, p, 10, after=p + "ab")["keys"] == [p + "b", p + "c"]
    assert page(shared_server, p, 10, after=p)["keys"] == [p + "a", p + "b", p + "c"]
    assert page(shared_server, p, 10, after="")["keys"] == [p + "a", p + "b", p + "c"]
    # an after below the prefix starts at the prefix; one past it ends the listing
    assert page(shared_server, p + "b", 10, after=p + "a")["keys"] == [p + "b"]
    assert page(shared_server, p + "a", 10, after=p + "b")["keys"] == []


def test_pages_stop_at_the_end_of_the_prefix(shared_server):
    p = uid()
    load(shared_server, [p + "x1", p + "x2", p + "y1"])
    assert page(shared_server, p + "x", 2) == {"keys": [p + "x1", p + "x2"]}


def test_pages_skip_deleted_and_expired_keys(shared_server):
    p = uid()
    load(shared_server, [p + "1", p + "3", p + "5"])
    assert shared_server.put_key(p + "2", 1, ttl=0).status_code == 200
    assert shared_server.put_key(p + "4", 1).status_code == 200
    assert shared_server.del_key(p + "4").status_code == 200
    assert page(shared_server, p, 2) == {"keys": [p + "1", p + "3"], "next": p + "3"}
    assert page(shared_server, p, 2, after=p + "3") == {"keys": [p + "5"]}


def test_pages_follow_utf8_byte_order_above_u_ffff(shared_server):
    p = uid()
    keys = [p + s for s in ["a", "\uffff", "\ufffd", "\ue000", "\U0001f600", "\U00010000", "\U0010ffff",
                            "é", "\u0100", "z"]]
    load(shared_server, reversed(keys))
    expected = utf8_sorted(keys)
    assert expected != sorted(keys, key=lambda k: k.encode("utf-16-be")), "UTF-16 order differs here"
    walked, _ = walk(shared_server, p, 3)
    assert walked == expected
    # a page that starts after a key above U+FFFF
    assert page(shared_server, p, 10, after=p + "\U00010000")["keys"] == expected[expected.index(p + "\U00010000") + 1:]


def test_without_limit_the_listing_is_whole(shared_server):
    p = uid()
    load(shared_server, [f"{p}{i:03d}" for i in range(120)])
    r = shared_server.get("/kv?prefix=" + enc(p))
    body = jloads(r.content)
    assert set(body) == {"keys", "revision"}
    assert len(body["keys"]) == 120


@pytest.mark.parametrize("limit", ["0", "10001", "-1", "", "abc", "1.5", "1e3", "99999999999999999999"])
def test_bad_limit_is_400(shared_server, limit):
    body = assert_json_error(shared_server.get("/kv?limit=" + limit), 400)
    assert "limit" in body["error"]


@pytest.mark.parametrize("after", ["%FF", "%C3", "%G1", "%"])
def test_bad_after_is_400(shared_server, after):
    body = assert_json_error(shared_server.http("GET", "/kv?limit=5&after=" + after), 400)
    assert "after" in body["error"]


def test_largest_page_is_10000(shared_server):
    p = uid()
    load(shared_server, [f"{p}{i:05d}" for i in range(10001)])
    first = page(shared_server, p, 10000)
    assert len(first["keys"]) == 10000
    assert first["next"] == f"{p}09999"
    assert page(shared_server, p, 10000, after=first["next"]) == {"keys": [f"{p}10000"]}
