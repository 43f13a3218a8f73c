"""Cluster mode under a network partition: each member in a network namespace of its own (netns_cluster.py),
one member's Raft links cut and healed while the test still talks HTTP to it."""
import threading
import uuid

import pytest

from cluster_support import delete, get, put
from kvserver import wait_until
import netns_cluster

WHY_NOT = netns_cluster.available()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


@pytest.fixture
def cluster(tmp_path):
    c = netns_cluster.NetnsCluster(tmp_path)
    try:
        yield c.start()
    finally:
        c.close()


def test_a_leader_cut_off_acknowledges_nothing_and_the_majority_goes_on(cluster):
    p = f"part-{uuid.uuid4().hex[:8]}-"
    old = cluster.leader()
    assert put(old, p + "before", 1).status_code == 200
    cluster.cut(old)
    try:
        answers = {}
        cut_write = threading.Thread(target=lambda: answers.update(w=put(old, p + "cut", "lost?")))
        cut_write.start()
        majority = [m for m in cluster.members if m is not old]
        new = cluster.wait_leader(among=majority)
        assert new != old.node_id
        assert put(cluster.member(new), p + "after", 2).status_code == 200
        assert delete(majority[0], p + "before").status_code == 200
        cut_write.join(timeout=30)
        r = answers["w"]
        assert r.status_code == 503, r.text  # never acknowledged without a majority
        assert r.json()["error"] == "no quorum" or r.json()["error"].startswith("outcome unknown"), r.text
        read = get(old, p + "after")
        assert read.status_code == 503 and read.json() == {"error": "no quorum"}, read.text
        assert get(old, p + "before", consistency="local").status_code == 200  # its own, stale state
    finally:
        cluster.heal(old)
    cluster.wait_leader()
    items = cluster.wait_converged(p, timeout=60)
    assert items.get(p + "after") == 2 and p + "before" not in items
    assert items.get(p + "cut") in (None, "lost?")


def test_a_follower_cut_off_catches_up_when_healed(cluster):
    p = f"heal-{uuid.uuid4().hex[:8]}-"
    leader = cluster.leader()
    follower = next(m for m in cluster.members if m is not leader)
    cluster.cut(follower)
    try:
        for i in range(20):
            assert put(leader, f"{p}{i}", i).status_code == 200
        assert get(follower, f"{p}19", consistency="local").status_code == 404
    finally:
        cluster.heal(follower)
    wait_until(lambda: get(follower, f"{p}19", consistency="local").status_code == 200, timeout=30,
               msg="the healed follower caught up")
    assert cluster.wait_converged(p) == {f"{p}{i}": i for i in range(20)}
