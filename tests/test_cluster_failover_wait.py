"""Failover without spurious 503s, three members on loopback: while a majority is up (the leader killed with
kill -9, a new one elected, the old one back), linearizable reads and writes sent to the other members wait for
the new leader within their bound instead of answering 503 "no quorum"."""
import json
import threading

import requests
from cluster_support import PACE, running_cluster, uid
from conftest import Workers
from kvserver import wait_until

WRITE_TIMEOUT = 30  # the bound each read and write may wait for a leader: past any election on a busy machine
CALL = WRITE_TIMEOUT + 15


class Clients(Workers):
    """Writers and linearizable readers on the given members, each recording every refusal it meets."""

    def __init__(self, members, prefix):
        super().__init__(4, join_timeout=CALL + 5, pace=PACE)
        self.members, self.prefix = members, prefix
        self.lock = threading.Lock()
        self.answers = 0
        self.no_quorum = []

    def run(self, n):
        member = self.members[n % len(self.members)]
        session = requests.Session()
        i = 0
        while self.going():
            key = f"{self.prefix}{n}-{i % 20}"
            i += 1
            try:
                if n % 2:
                    r = session.put(member.url + "/kv/" + key, data=json.dumps({"value": i}), timeout=CALL)
                else:
                    r = session.get(member.url + "/kv/" + key, timeout=CALL)
            except requests.RequestException as e:
                with self.lock:
                    self.no_quorum.append((member.node_id, repr(e)))
                continue
            with self.lock:
                self.answers += 1
                if r.status_code == 503 and r.json()["error"] == "no quorum":
                    self.no_quorum.append((member.node_id, "GET" if n % 2 == 0 else "PUT"))


def test_reads_and_writes_wait_for_a_new_leader_while_a_majority_is_up(tmp_path):
    with running_cluster(tmp_path, write_timeout=WRITE_TIMEOUT) as cluster:
        p = uid("wait")
        for rnd in range(2):
            old = cluster.leader()
            others = [m for m in cluster.members if m is not old]
            with Clients(others, p + str(rnd)) as clients:
                wait_until(lambda: clients.answers >= 20, timeout=60, msg="answers before the kill")
                old.kill()
                new = cluster.wait_leader(among=others)
                assert new != old.node_id
                seen = clients.answers
                wait_until(lambda: clients.answers >= seen + 20, timeout=60, msg="answers after the election")
                old.start()
                cluster.wait_leader()
                seen = clients.answers
                wait_until(lambda: clients.answers >= seen + 40, timeout=60, msg="answers after the old leader came back")
            assert not clients.no_quorum, clients.no_quorum[:10]
        # The restarted member may still be catching up: its linearizable read waits for that within the file's bound.
        r = cluster.members[0].req("GET", "/kv/" + p + "01-0", timeout=CALL)
        assert r.status_code in (200, 404), r.text
