"""GET /kv and GET /kv?prefix=: sorting by UTF-8 bytes, prefix filtering, liveness."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import enc, jloads, uid


def put_all(srv, keys):
    for k in keys:
        r = srv.put_key(k, k)
        assert r.status_code == 200, (k, r.text)


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def test_listing_shape(shared_server):
    p = uid()
    put_all(shared_server, [p + "x"])
    r = shared_server.get("/kv")
    assert r.status_code == 200
    assert "application/json" in r.headers.get("content-type", "")
    body = jloads(r.content)
    assert isinstance(body["keys"], list)
    assert p + "x" in body["keys"]
    assert all(isinstance(k, str) for k in body["keys"])


def test_sorted_by_utf8_bytes_not_utf16(shared_server):
    p = uid()
    suffixes = ["a", "B", "Z", "~", "0", "é", "\u00ff", "\u0100", "\uffff", "\ufffd", "\uff5e", "\ue000",
                "😀", "\U0001f600x", "𝄞", "\U00010000", "\U0010ffff", "a😀", "a\uffff", " ", "!"]
    keys = [p + s for s in suffixes]
    put_all(shared_server, reversed(keys))
    got = shared_server.list_keys(p)
    expected = utf8_sorted(keys)
    # sanity: UTF-16 order (what String.compareTo gives) really differs here
    assert expected != sorted(keys, key=lambda k: k.encode("utf-16-be"))
    assert got == expected


def test_astral_after_bmp_private_use(shared_server):
    p = uid()
    keys = [p + "\U0001F600", p + "\uFFFD", p + "\uE000"]
    put_all(shared_server, keys)
    assert shared_server.list_keys(p) == [p + "\uE000", p + "\uFFFD", p + "\U0001F600"]


def test_full_listing_sorted(shared_server):
    p = uid()
    put_all(shared_server, [p + "\U0001F600", p + "\uFFFD", p + "b", p + "A"])
    keys = shared_server.list_keys()
    assert keys == utf8_sorted(keys)
    assert len(keys) == len(set(keys))


def test_prefix_filters(shared_server):
    p = uid()
    keys = [p + "abc", p + "abd", p + "ab", p + "ac", p + "b", p + "ABC", p + "aBc"]
    put_all(shared_server, keys)
    assert shared_server.list_keys(p + "ab") == [p + "ab", p + "abc", p + "abd"]
    assert shared_server.list_keys(p + "a") == [p + "aBc", p + "ab", p + "abc", p + "abd", p + "ac"]
    assert shared_server.list_keys(p) == utf8_sorted(keys)
    assert shared_server.list_keys(p + "abcd") == []


def test_prefix_case_sensitive(shared_server):
    p = uid()
    put_all(shared_server, [p + "Apple", p + "apple", p + "APPLE"])
    assert shared_server.list_keys(p + "a") == [p + "apple"]
    assert shared_server.list_keys(p + "A") == [p + "APPLE", p + "Apple"]
    assert shared_server.list_keys(p + "AP") == [p + "APPLE"]


def test_prefix_no_match(shared_server):
    r = shared_server.get("/kv?prefix=" + enc(uid() + "nothing-here"))
    assert r.status_code == 200
    assert jloads(r.content)["keys"] == []


def test_empty_prefix_means_all(shared_server):
    p = uid()
    put_all(shared_server, [p + "1", p + "2"])
    all_keys = shared_server.list_keys()
    r = shared_server.get("/kv?prefix=")
    assert r.status_code == 200
    assert jloads(r.content)["keys"] == all_keys
    assert p + "1" in all_keys and p + "2" in all_keys


def test_prefix_percent_decoded(shared_server):
    p = uid()
    keys = [p + "a/b/c", p + "a/bc", p + "a+b", p + "a b", p + "é/x", p + "😀/y"]
    put_all(shared_server, keys)
    assert shared_server.list_keys(p + "a/b") == [p + "a/b/c", p + "a/bc"]
    assert shared_server.list_keys(p + "a/b/") == [p + "a/b/c"]
    assert shared_server.list_keys(p + "a+") == [p + "a+b"]  # sent as %2B
    assert shared_server.list_keys(p + "a ") == [p + "a b"]  # sent as %20
    assert shared_server.list_keys(p + "é") == [p + "é/x"]
    assert shared_server.list_keys(p + "😀") == [p + "😀/y"]


def test_prefix_of_astral_char_does_not_split_surrogates(shared_server):
    p = uid()
    # U+1F600 and U+1F601 share the UTF-16 high surrogate; a prefix must match whole characters
    put_all(shared_server, [p + "\U0001F600", p + "\U0001F601"])
    assert shared_server.list_keys(p + "\U0001F600") == [p + "\U0001F600"]


def test_deleted_and_expired_keys_not_listed(shared_server):
    p = uid()
    put_all(shared_server, [p + "live", p + "deleted"])
    assert shared_server.put_key(p + "expired", 1, ttl=0).status_code == 200
    assert shared_server.put_key(p + "expired-later", 1, ttl=-3).status_code == 200
    assert shared_server.del_key(p + "deleted").status_code == 200
    assert shared_server.list_keys(p) == [p + "live"]
    assert p + "expired" not in shared_server.list_keys()
    assert p + "deleted" not in shared_server.list_keys()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffixes=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=8, unique=True),
       cut=st.integers(min_value=0, max_value=3))
def test_property_prefix_listing(shared_server, suffixes, cut):
    p = "hyp-prefix-" + uid()
    keys = [p + s for s in suffixes]
    put_all(shared_server, keys)
    assert shared_server.list_keys(p) == utf8_sorted(keys)
    # a longer prefix taken from one of the keys
    pref = p + suffixes[0][:cut]
    expected = utf8_sorted(k for k in keys if k.startswith(pref))
    assert shared_server.list_keys(pref) == expected
