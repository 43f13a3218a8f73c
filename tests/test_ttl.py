"""TTL semantics of PUT /kv/{key} (and the batch set ttl)."""
import pytest

from conftest import MISSING, assert_fields, assert_json_error, jloads, uid, wait_until

EXPIRY_BOUND = 10  # seconds we are willing to wait beyond the ttl


def gone(srv, key):
    return lambda: srv.get_key(key).status_code == 404


def test_ttl_key_present_then_expires(shared_server):
    k = uid() + "ttl3"
    r = shared_server.put_key(k, "soon", ttl=3)
    assert r.status_code == 200, r.text
    assert_fields(jloads(r.content), {"success": True, "key": k, "value": "soon", "created": True})
    # present right after the write (3 s is ample even on a slow machine)
    assert shared_server.value_of(k) == "soon"
    wait_until(gone(shared_server, k), timeout=3 + EXPIRY_BOUND, msg=f"{k} to expire")
    assert_json_error(shared_server.get_key(k), 404)


def test_fractional_ttl_accepted_and_expires(shared_server):
    k = uid() + "frac"
    r = shared_server.put_key(k, 1, ttl=2.5)
    assert r.status_code == 200, r.text
    # a fractional ttl must not be truncated to 0 (expired at once)
    assert shared_server.value_of(k) == 1
    wait_until(gone(shared_server, k), timeout=2.5 + EXPIRY_BOUND, msg="fractional ttl expiry")


def test_small_fractional_ttl_expires(shared_server):
    k = uid() + "tiny"
    assert shared_server.put_key(k, 1, ttl=0.3).status_code == 200
    wait_until(gone(shared_server, k), timeout=EXPIRY_BOUND, msg="0.3 s ttl expiry")


def test_null_and_absent_ttl_never_expire(shared_server):
    p = uid()
    assert shared_server.put_key(p + "null", "n", ttl=None).status_code == 200
    assert shared_server.put_key(p + "absent", "a").status_code == 200
    assert shared_server.put_key(p + "probe", "p", ttl=1).status_code == 200
    wait_until(gone(shared_server, p + "probe"), timeout=1 + EXPIRY_BOUND, msg="probe expiry")
    assert shared_server.value_of(p + "null") == "n"
    assert shared_server.value_of(p + "absent") == "a"
    assert shared_server.list_keys(p) == [p + "absent", p + "null"]


@pytest.mark.parametrize("ttl", [0, -1, -0.5, -1e9, -1e20, 0.0])
def test_non_positive_ttl_expires_at_once(shared_server, ttl):
    k = uid() + "zero"
    r = shared_server.put_key(k, "x", ttl=ttl)
    assert r.status_code == 200, r.text
    assert_fields(jloads(r.content), {"success": True, "key": k})
    assert_json_error(shared_server.get_key(k), 404)
    assert k not in shared_server.list_keys(k)
    assert_json_error(shared_server.del_key(k), 404)


def test_non_positive_ttl_on_existing_key_removes_it(shared_server):
    k = uid() + "kill"
    assert shared_server.put_key(k, "live").status_code == 200
    r = shared_server.put_key(k, "dead", ttl=0)
    assert r.status_code == 200
    assert jloads(r.content)["created"] is False
    assert shared_server.value_of(k) is MISSING


def test_created_true_after_expiry(shared_server):
    k = uid() + "reborn"
    assert shared_server.put_key(k, 1, ttl=0).status_code == 200
    r = shared_server.put_key(k, 2)
    assert jloads(r.content)["created"] is True


def test_created_true_after_timed_expiry(shared_server):
    k = uid() + "reborn2"
    assert jloads(shared_server.put_key(k, 1, ttl=1).content)["created"] is True
    wait_until(gone(shared_server, k), timeout=1 + EXPIRY_BOUND, msg="expiry")
    r = shared_server.put_key(k, 2)
    assert r.status_code == 200
    assert jloads(r.content)["created"] is True
    assert shared_server.value_of(k) == 2


def test_put_without_ttl_removes_earlier_ttl(shared_server):
    p = uid()
    assert shared_server.put_key(p + "k", "v1", ttl=3).status_code == 200
    assert shared_server.put_key(p + "probe", "p", ttl=3).status_code == 200
    r = shared_server.put_key(p + "k", "v2")  # no ttl: never expires now
    assert jloads(r.content)["created"] is False
    wait_until(gone(shared_server, p + "probe"), timeout=3 + EXPIRY_BOUND, msg="probe expiry")
    assert shared_server.value_of(p + "k") == "v2"


def test_put_with_null_ttl_removes_earlier_ttl(shared_server):
    p = uid()
    assert shared_server.put_key(p + "k", "v1", ttl=3).status_code == 200
    assert shared_server.put_key(p + "probe", "p", ttl=3).status_code == 200
    assert shared_server.put_key(p + "k", "v2", ttl=None).status_code == 200
    wait_until(gone(shared_server, p + "probe"), timeout=3 + EXPIRY_BOUND, msg="probe expiry")
    assert shared_server.value_of(p + "k") == "v2"


def test_put_with_new_ttl_replaces_ttl(shared_server):
    k = uid() + "shorten"
    assert shared_server.put_key(k, "long", ttl=100000).status_code == 200
    assert shared_server.put_key(k, "short", ttl=1).status_code == 200
    wait_until(gone(shared_server, k), timeout=1 + EXPIRY_BOUND, msg="shortened ttl expiry")


@pytest.mark.parametrize("raw_ttl", ['"5"', '"abc"', "true", "false", "[]", "[5]", "{}", '{"s":5}',
                                     "1e400", "1e309"])
def test_bad_ttl_400_and_nothing_written(shared_server, raw_ttl):
    k = uid() + "badttl"
    r = shared_server.put_key(k, raw='{"value":1,"ttl":' + raw_ttl + "}")
    assert_json_error(r, 400)
    assert shared_server.value_of(k) is MISSING
    # an existing key is left untouched too
    assert shared_server.put_key(k, "keep").status_code == 200
    assert_json_error(shared_server.put_key(k, raw='{"value":2,"ttl":' + raw_ttl + "}"), 400)
    assert shared_server.value_of(k) == "keep"


def test_ttl_below_any_double_expires_at_once(shared_server):
    k = uid() + "hugeneg"
    r = shared_server.put_key(k, raw='{"value":1,"ttl":-1e400}')
    assert r.status_code == 200, r.text
    assert_json_error(shared_server.get_key(k), 404)


def test_large_but_finite_ttl_accepted(shared_server):
    k = uid() + "bigttl"
    r = shared_server.put_key(k, 1, ttl=10 ** 9)
    assert r.status_code == 200, r.text
    assert shared_server.value_of(k) == 1


def test_expired_keys_excluded_from_listing(shared_server):
    p = uid()
    assert shared_server.put_key(p + "live", 1).status_code == 200
    assert shared_server.put_key(p + "dead0", 1, ttl=0).status_code == 200
    assert shared_server.put_key(p + "dead1", 1, ttl=3).status_code == 200
    assert p + "dead1" in shared_server.list_keys(p)
    wait_until(lambda: shared_server.list_keys(p) == [p + "live"], timeout=3 + EXPIRY_BOUND,
               msg="expired key to leave the listing")
    assert p + "dead1" not in shared_server.list_keys()


def test_delete_expired_key_404(shared_server):
    k = uid() + "delexp"
    assert shared_server.put_key(k, 1, ttl=1).status_code == 200
    wait_until(gone(shared_server, k), timeout=1 + EXPIRY_BOUND, msg="expiry")
    assert assert_json_error(shared_server.del_key(k), 404)["error"] == "key not found"


def test_batch_set_ttl(shared_server):
    p = uid()
    r = shared_server.batch([
        {"op": "set", "key": p + "a", "value": 1, "ttl": 0},
        {"op": "get", "key": p + "a"},
        {"op": "set", "key": p + "b", "value": 2, "ttl": 1},
        {"op": "get", "key": p + "b"},
        {"op": "set", "key": p + "c", "value": 3, "ttl": None},
    ])
    assert r.status_code == 200, r.text
    res = jloads(r.content)["results"]
    assert_fields(res[1], {"key": p + "a", "error": "key not found"})
    assert_fields(res[3], {"key": p + "b", "value": 2})
    wait_until(gone(shared_server, p + "b"), timeout=1 + EXPIRY_BOUND, msg="batch ttl expiry")
    assert shared_server.value_of(p + "a") is MISSING
    assert shared_server.value_of(p + "c") == 3
