"""Revisions and conditional writes in cluster mode, three members on loopback: every member counts the same
revisions for the same applied state, conditions are decided where entries are applied, keys expire as
replicated changes on an idle cluster, and revisions go on past a leader's kill -9 without repeating."""
import json
import time

import pytest
from cluster_support import batch, delete, get, put, running_cluster, uid
from kvserver import wait_until
from test_conditional import CasCounters

REVISION = "x-kvstore-revision"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("coordination")) as c:
        yield c


def local_state(member, prefix):
    """(the member's revision, {key: (value, create, mod, version)}) from its own state, at one revision."""
    r = member.req("GET", "/kv", params={"prefix": prefix, "values": "true", "consistency": "local"})
    assert r.status_code == 200, r.text
    body = r.json()
    return body["revision"], {i["key"]: (i["value"], i["create_revision"], i["mod_revision"], i["version"])
                              for i in body["items"]}


def test_every_member_counts_the_same_revisions_for_the_same_state(cluster):
    p = uid("same")
    revisions = []
    for i, m in enumerate(cluster.members * 3):
        r = put(m, p + str(i % 4), {"i": i})
        assert r.status_code == 200, r.text
        revisions.append(r.json()["revision"])
    r = batch(cluster.members[1], [{"op": "set", "key": p + "b", "value": 1}, {"op": "delete", "key": p + "0"}])
    revisions.append(r.json()["revision"])
    assert delete(cluster.members[2], p + "missing").status_code == 404
    assert revisions == sorted(set(revisions)), "each acknowledged change its own, growing revision"

    leader = cluster.leader()
    wait_until(lambda: len({m.cluster()["applied_index"] for m in cluster.running()}) == 1, timeout=30,
               msg="every member applied the same entries")
    states = [local_state(m, p) for m in cluster.members]
    assert states[0][0] >= revisions[-1]
    assert all(s == states[0] for s in states), states
    r = get(leader, p + "b")
    assert r.headers["etag"] == f'"{revisions[-1]}"' and int(r.headers[REVISION]) >= revisions[-1]


def test_a_compare_and_set_counter_spread_over_every_member_loses_no_increment(cluster):
    key = uid("cas") + "counter"
    # Fewer increments than on one server: each is a replicated write, and six clients still contend.
    with CasCounters([m.url for m in cluster.members], key, clients=6, each=20) as counters:
        pass
    assert len(counters.refusals) == 6, "a client failed"
    assert get(cluster.members[0], key).json()["value"] == 6 * 20
    assert sum(counters.refusals) > 0, "no contention: the test proved nothing"


def test_one_create_only_wins_whichever_members_the_racers_ask(cluster):
    key = uid("race") + "lock"
    answers = []
    for m in cluster.members:
        answers.append(m.req("PUT", "/kv/" + key, data=json.dumps({"value": m.node_id}),
                             headers={"If-None-Match": "*"}).status_code)
    assert sorted(answers) == [200, 412, 412], answers
    r = batch(cluster.members[2], [{"op": "check", "key": key, "exists": False},
                                   {"op": "set", "key": key, "value": "late"}])
    assert r.status_code == 412 and r.json()["index"] == 0, r.text


def test_a_key_expires_on_an_idle_cluster_as_a_replicated_change(cluster):
    p = uid("ttl")
    m = cluster.members[0]
    r = m.req("PUT", "/kv/" + p + "k", data=json.dumps({"value": 1, "ttl": 1}))
    assert r.status_code == 200, r.text
    written = r.json()["revision"]
    deadline = time.monotonic() + 1
    # Nothing else is written: the leader proposes the expiry itself, and every member applies it.
    for member in cluster.members:
        wait_until(lambda: local_state(member, p)[0] >= written + 1, timeout=10, interval=0.05,
                   msg=f"the expiry applied on {member.node_id}")
    late = time.monotonic() - deadline
    assert late < 5, f"expired {late:.1f} s after its deadline"
    for member in cluster.members:
        assert local_state(member, p) == (local_state(cluster.members[0], p)[0], {}), member.node_id
        assert get(member, p + "k").status_code == 404


def test_revisions_go_on_past_a_leaders_kill_9_without_repeating(cluster):
    p = uid("failover")
    seen = []
    for i in range(10):
        seen.append(put(cluster.members[i % 3], p + str(i % 3), i).json()["revision"])
    victim = cluster.leader()
    victim.kill()
    survivors = [m for m in cluster.members if m is not victim]
    cluster.wait_leader(among=survivors)
    for i in range(10):
        r = put(survivors[i % 2], p + str(i % 3), i + 100)
        assert r.status_code == 200, r.text
        seen.append(r.json()["revision"])
    victim.start()
    cluster.wait_leader()
    seen.append(put(victim, p + "after", 1).json()["revision"])
    assert seen == sorted(set(seen)), "a revision given twice, or one going back, across the failover"
    wait_until(lambda: len({m.cluster()["applied_index"] for m in cluster.running()}) == 1, timeout=30,
               msg="every member caught up")
    states = [local_state(m, p) for m in cluster.members]
    assert all(s == states[0] for s in states), states
