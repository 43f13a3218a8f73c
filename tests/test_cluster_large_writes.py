"""Large writes in cluster mode, three members on loopback started with a large --max-body: every write the body
limit accepts replicates to every member, none costs the leader its role, and no library's text reaches a
client."""
import json

import pytest
import requests
from cluster_support import running_cluster, uid

MAX_BODY = 40 * 1024 * 1024
WRITE_TIMEOUT = 60  # carrying tens of megabytes to three JVMs on a shared, busy machine takes seconds
CALL = WRITE_TIMEOUT + 30


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("large"), args=["--max-body", str(MAX_BODY)],
                         write_timeout=WRITE_TIMEOUT) as c:
        yield c


def put(member, key, value):
    return member.req("PUT", "/kv/" + requests.utils.quote(key, safe=""), data=json.dumps({"value": value}),
                      timeout=CALL)


def value_length(member, key):
    r = member.req("GET", "/kv/" + key, timeout=CALL)
    assert r.status_code == 200, (member.node_id, r.status_code, r.text[:200])
    return len(r.json()["value"])


def assert_kvstore_words(r):
    text = r.text.lower()
    for library in ("ratis", "jackson", "exception", "org.", "com.", "io."):
        assert library not in text, r.text


def test_writes_up_to_the_body_limit_replicate_to_every_member_without_an_election(cluster):
    p = uid("large")
    leader = cluster.leader()
    term = leader.cluster()["term"]
    # Larger than Ratis's own limits on an entry (4 MiB) and on a log segment (8 MiB here), from every member.
    sizes = [5 * 1024 * 1024, 9 * 1024 * 1024, 24 * 1024 * 1024]
    for i, size in enumerate(sizes):
        r = put(cluster.members[i % 3], p + str(i), "x" * size)
        assert r.status_code == 200, r.text[:300]
    ops = [{"op": "set", "key": p + "b" + str(i), "value": "y" * (3 * 1024 * 1024)} for i in range(4)]
    r = cluster.members[1].req("POST", "/kv/batch", data=json.dumps({"operations": ops}), timeout=CALL)
    assert r.status_code == 200, r.text[:300]
    for m in cluster.members:
        for i, size in enumerate(sizes):
            assert value_length(m, p + str(i)) == size
        assert value_length(m, p + "b3") == 3 * 1024 * 1024
    views = [m.cluster() for m in cluster.members]
    assert {v["term"] for v in views} == {term}, "a large write started an election"
    assert {v["leader"] for v in views} == {leader.node_id}


def test_a_value_past_the_json_parsers_default_ceiling_is_stored_and_one_past_the_body_limit_gets_413(cluster):
    p = uid("huge")
    term = cluster.leader().cluster()["term"]
    # Longer than the JSON parser's default ceiling on a string (20 million characters).
    r = put(cluster.members[2], p + "v", "z" * (32 * 1024 * 1024))
    assert r.status_code == 200, r.text[:300]
    assert value_length(cluster.members[0], p + "v") == 32 * 1024 * 1024
    over = put(cluster.members[0], p + "over", "o" * MAX_BODY)
    assert over.status_code == 413, over.text[:300]
    assert_kvstore_words(over)
    assert {m.cluster()["term"] for m in cluster.members} == {term}
