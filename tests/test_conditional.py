"""Conditional writes (third release): If-Match / If-None-Match on PUT and DELETE, check operations in
batches, decided in one step with the write; and the two recipes built on them, a compare-and-set counter and
a lock with a TTL, under contention."""
import json
import os
import signal
import subprocess
import sys
import pytest
import requests

from conftest import TIMEOUT, Workers, enc, uid, wait_until

REVISION = "x-kvstore-revision"


def put_if(srv, key, value, ttl=None, **headers):
    body = {"value": value}
    if ttl is not None:
        body["ttl"] = ttl
    return srv.put("/kv/" + enc(key), data=json.dumps(body), headers=_headers(headers))


def delete_if(srv, key, **headers):
    return srv.delete("/kv/" + enc(key), headers=_headers(headers))


def _headers(given):
    return {name.replace("_", "-"): value for name, value in given.items()}


def refused(r, key, mod):
    assert r.status_code == 412, (r.status_code, r.text)
    assert r.json() == {"error": "precondition failed", "key": key, "mod_revision": mod}, r.text
    assert int(r.headers[REVISION]) >= mod


def test_if_match_writes_only_over_the_revision_it_names(shared_server):
    k = uid("ifm")
    mod = shared_server.put_key(k, 1).json()["revision"]

    refused(put_if(shared_server, k, 2, If_Match=f'"{mod + 1000}"'), k, mod)
    r = put_if(shared_server, k, 2, If_Match=f'"{mod}"')
    assert r.status_code == 200 and r.json()["created"] is False, r.text
    newer = r.json()["revision"]
    refused(put_if(shared_server, k, 3, If_Match=f'"{mod}"'), k, newer)
    assert shared_server.value_of(k) == 2
    refused(delete_if(shared_server, k, If_Match=f'"{mod}"'), k, newer)
    r = delete_if(shared_server, k, If_Match=f'"{newer}"')
    assert r.status_code == 200 and r.json()["deleted"] is True, r.text
    refused(put_if(shared_server, k, 4, If_Match='"0"'), k, 0)
    refused(put_if(shared_server, k, 4, If_Match="*"), k, 0)
    refused(delete_if(shared_server, k, If_Match="*"), k, 0)


def test_if_none_match_star_creates_only(shared_server):
    k = uid("create")
    r = put_if(shared_server, k, "first", If_None_Match="*")
    assert r.status_code == 200 and r.json()["created"] is True, r.text
    refused(put_if(shared_server, k, "second", If_None_Match="*"), k, r.json()["revision"])
    refused(delete_if(shared_server, k, If_None_Match="*"), k, r.json()["revision"])
    assert shared_server.value_of(k) == "first"
    r = put_if(shared_server, k, "live", If_Match="*")
    assert r.status_code == 200, r.text


def test_an_expired_key_is_absent_to_conditions(shared_server):
    k = uid("gone")
    shared_server.put_key(k, 1, ttl=0)
    refused(put_if(shared_server, k, 2, If_Match="*"), k, 0)
    assert put_if(shared_server, k, 2, If_None_Match="*").status_code == 200


@pytest.mark.parametrize("header,value", [
    ("If-Match", "17"), ("If-Match", 'W/"17"'), ("If-Match", '"17", "18"'), ("If-Match", '"-1"'),
    ("If-Match", '"1.5"'), ("If-Match", '""'), ("If-Match", '"99999999999999999999"'), ("If-None-Match", '"3"'),
    ("If-None-Match", "**")])
def test_a_malformed_condition_is_400_and_writes_nothing(shared_server, header, value):
    k = uid("bad")
    r = shared_server.put("/kv/" + enc(k), data='{"value": 1}', headers={header: value})
    assert r.status_code == 400 and header in r.json()["error"], r.text
    assert shared_server.get_key(k).status_code == 404
    assert shared_server.delete("/kv/" + enc(k), headers={header: value}).status_code == 400


def test_whitespace_around_a_condition_is_ignored(shared_server):
    k = uid("ws")
    mod = shared_server.put_key(k, 1).json()["revision"]
    with shared_server.raw() as c:
        c.send(f'PUT /kv/{enc(k)} HTTP/1.1\r\nHost: localhost\r\nIf-Match:   "{mod}"  \r\n'
               'Content-Length: 12\r\n\r\n{"value": 2}')
        assert c.read_response().status_code == 200


def test_batch_checks_guard_every_operation_and_see_the_earlier_ones(shared_server):
    p = uid("bc")
    mod = shared_server.put_key(p + "cfg", raw='{"value": {"b": [1, 2.0], "a": 1e400}}').json()["revision"]
    equal = '{"op": "check", "key": "%scfg", "value": {"a": 10e399, "b": [1.0, 2]}}' % p
    ops = [
        {"op": "check", "key": p + "cfg", "mod_revision": mod},
        {"op": "check", "key": p + "new", "mod_revision": 0},
        {"op": "check", "key": p + "new", "exists": False},
        {"op": "set", "key": p + "new", "value": 1},
        {"op": "check", "key": p + "new", "exists": True},
        {"op": "check", "key": p + "new", "value": 1.0},
    ]
    r = shared_server.batch(raw='{"operations": [%s, %s]}' % (equal, ", ".join(json.dumps(op) for op in ops)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["results"][0] == {"success": True, "key": p + "cfg"}, "equal as JSON: members in any order, numbers by value"
    assert body["results"][4] == {"success": True, "key": p + "new", "created": True}
    assert int(r.headers[REVISION]) == body["revision"]

    r = shared_server.batch([{"op": "set", "key": p + "x", "value": 1}, {"op": "delete", "key": p + "new"},
                             {"op": "check", "key": p + "new", "exists": True}])
    assert r.status_code == 412, r.text
    assert r.json() == {"success": False, "error": "precondition failed", "index": 2, "key": p + "new",
                        "mod_revision": 0}
    assert shared_server.get_key(p + "x").status_code == 404 and shared_server.value_of(p + "new") == 1, \
        "nothing of a refused batch is applied"
    r = shared_server.batch(raw='{"operations": [{"op": "check", "key": "%scfg", "value": {"a": 1e400, "b": [1, 2.5]}}]}' % p)
    assert r.status_code == 412 and r.json()["mod_revision"] == mod, r.text


@pytest.mark.parametrize("check,error", [
    ({}, "exactly one"), ({"exists": True, "mod_revision": 1}, "exactly one"),
    ({"mod_revision": -1}, "mod_revision"), ({"mod_revision": 1.5}, "mod_revision"),
    ({"exists": "yes"}, "exists")])
def test_a_malformed_check_is_400_with_its_index(shared_server, check, error):
    k = uid("mc")
    r = shared_server.batch([{"op": "set", "key": k, "value": 1}, {"op": "check", "key": k, **check}])
    assert r.status_code == 400 and r.json()["index"] == 1 and error in r.json()["error"], r.text
    assert shared_server.get_key(k).status_code == 404


def cas_increment(http, url, key):
    """Adds one to the counter at url (a member or a server) through an If-Match retry loop, with the requests
    session http; returns the refusals it met."""
    refusals = 0
    while True:
        r = http.get(url + "/kv/" + enc(key), timeout=TIMEOUT)
        if r.status_code == 404:
            w = http.put(url + "/kv/" + enc(key), data='{"value": 1}', headers={"If-None-Match": "*"},
                         timeout=TIMEOUT)
        else:
            assert r.status_code == 200, r.text
            w = http.put(url + "/kv/" + enc(key), data=json.dumps({"value": r.json()["value"] + 1}),
                         headers={"If-Match": r.headers["etag"]}, timeout=TIMEOUT)
        if w.status_code == 200:
            return refusals
        assert w.status_code == 412, w.text
        refusals += 1


class CasCounters(Workers):
    """Clients that each add `each` to one counter through compare-and-set, spread over `urls` in turn."""

    def __init__(self, urls, key, clients=8, each=50):
        super().__init__(clients, join_timeout=300)
        self.urls, self.key, self.each = urls, key, each
        self.refusals = []

    def run(self, n):
        with requests.Session() as http:
            url = self.urls[n % len(self.urls)]
            self.refusals.append(sum(cas_increment(http, url, self.key) for _ in range(self.each)))


def test_a_compare_and_set_counter_loses_no_increment_under_contention(server):
    with CasCounters([server.url], "counter") as counters:
        pass
    assert len(counters.refusals) == 8, "a client failed"
    assert server.value_of("counter") == 8 * 50
    assert sum(counters.refusals) > 0, "no contention: the test proved nothing"


LOCK_TTL = 3


def acquire(http, url, key, owner):
    """The lock's revision when taken, or None when someone holds it."""
    r = http.put(url + "/kv/" + enc(key), data=json.dumps({"value": owner, "ttl": LOCK_TTL}),
                 headers={"If-None-Match": "*"}, timeout=TIMEOUT)
    if r.status_code == 412:
        return None
    assert r.status_code == 200, r.text
    return r.json()["revision"]


def test_a_ttl_lock_guards_a_read_then_write_counter(server):
    """Six clients take the lock, read a plain counter, write it plus one (no condition), release: the counter
    ends equal to the acquisitions only if no two ever held the lock at once."""
    server.put_key("plain", 0)
    acquisitions = []

    class Contenders(Workers):
        def run(self, n):
            with requests.Session() as http:
                while not self.stop.is_set():
                    held = acquire(http, server.url, "lock", f"c{n}")
                    if held is None:
                        continue
                    value = http.get(server.url + "/kv/plain", timeout=TIMEOUT).json()["value"]
                    assert http.put(server.url + "/kv/plain", data=json.dumps({"value": value + 1}),
                                    timeout=TIMEOUT).status_code == 200
                    acquisitions.append(n)
                    r = http.delete(server.url + "/kv/lock", headers={"If-Match": f'"{held}"'}, timeout=TIMEOUT)
                    assert r.status_code == 200, r.text

    with Contenders(6) as contenders:
        wait_until(lambda: len(acquisitions) >= 60, timeout=60, msg="60 acquisitions")
        contenders.stop.set()
    assert server.value_of("plain") == len(acquisitions), "two holders at once lost an update"
    assert len(set(acquisitions)) > 1, "no contention: the test proved nothing"


HOLDER = r"""
import json, sys, time, urllib.request
req = urllib.request.Request(sys.argv[1] + "/kv/lock", method="PUT", data=json.dumps(
    {"value": "doomed", "ttl": float(sys.argv[2])}).encode(), headers={"If-None-Match": "*"})
print(json.loads(urllib.request.urlopen(req).read())["revision"], flush=True)
time.sleep(3600)  # holds the lock until killed
"""


def test_a_lock_holder_that_is_killed_loses_the_lock_by_expiry(server):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, server.url, str(LOCK_TTL)], stdout=subprocess.PIPE)
    try:
        held = int(holder.stdout.readline())
        assert acquire(server.session, server.url, "lock", "waiter") is None, "the holder has it"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
    taken = wait_until(lambda: acquire(server.session, server.url, "lock", "waiter"), timeout=LOCK_TTL + 10,
                       interval=0.1,
                       msg="the lock free again once its TTL ran out")
    records = [json.loads(line) for line in server.wal.read_bytes().splitlines()]
    expiry = next(x for x in records if x.get("key") == "lock" and x["op"] == "expire")
    assert held < expiry["revision"] < taken, "the dead holder's lock expired, a change of its own, then was taken"
