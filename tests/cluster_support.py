"""A kvstore cluster of real processes on loopback, for test_cluster.py: members started by kvserver.py's
launcher, each with its own data dir, HTTP port and Raft port.  Every process is stopped by its PID."""
import contextlib
import json
import os
import signal
import time
import uuid
from pathlib import Path

import requests

from kvserver import KvServerProcess, free_port, wait_until

TIMEOUT = 20  # seconds per HTTP call: longer than a member's write timeout, so the server answers first
WRITE_TIMEOUT = 5  # seconds a member lets a write wait for a majority (--write-timeout)
ELECTION = 60  # seconds allowed for a leader to be elected after a start or a kill (a bound: generous under load)
# Seconds each writer thread of a test's load waits between its requests. The cluster tests need writes in flight
# through every kill, election and membership change, not the most writes. A fresh member runs most of a write's
# code in the bytecode interpreter until the JIT has compiled it, hundreds of writes later: a replicated write then
# costs the three members tens of milliseconds of CPU, taken from the test files running beside.
PACE = 0.05


class Member(KvServerProcess):
    """One cluster member; ready once its HTTP server answers (the cluster may not have a leader yet)."""
    ready_path = "/health"

    def __init__(self, workdir, node_id, http_port, raft_port, peers, args=(), write_timeout=WRITE_TIMEOUT):
        super().__init__(workdir, port=http_port,
                         args=["--node-id", node_id, "--peers", peers, "--write-timeout", write_timeout, *args])
        self.node_id = node_id
        self.raft_port = raft_port

    def req(self, method, path, **kw):
        kw.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.url + path, **kw)

    def cluster(self):
        r = self.req("GET", "/cluster", timeout=3)
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()

    def local_items(self, prefix):
        """{key: value} of every key under prefix, from this member's own state, at one revision."""
        r = self.req("GET", "/kv", params={"prefix": prefix, "values": "true", "consistency": "local"})
        assert r.status_code == 200, r.text
        return {item["key"]: item["value"] for item in r.json()["items"]}

    paused = False

    def pause(self):
        os.kill(self.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        os.kill(self.pid, signal.SIGCONT)
        self.paused = False


class Cluster:
    def __init__(self, workdir, size=3, args=(), write_timeout=WRITE_TIMEOUT):
        workdir = Path(workdir)
        ports = [(free_port(), free_port()) for _ in range(size)]
        self.peers = ",".join(f"n{i + 1}=127.0.0.1:{h}:{r}" for i, (h, r) in enumerate(ports))
        self.members = [Member(workdir / f"n{i + 1}", f"n{i + 1}", h, r, self.peers, args, write_timeout)
                        for i, (h, r) in enumerate(ports)]

    def start(self):
        for m in self.members:
            m.spawn()
        for m in self.members:
            m.wait_ready()
        self.wait_leader()
        return self

    def close(self):
        for m in self.members:
            if m.running() and m.paused:
                m.resume()
            m.close()

    def member(self, node_id):
        return next(m for m in self.members if m.node_id == node_id)

    def running(self, include_paused=False):
        """The members whose process is alive and, unless include_paused, not stopped by SIGSTOP."""
        return [m for m in self.members if m.running() and (include_paused or not m.paused)]

    def wait_leader(self, among=None, timeout=ELECTION):
        """The id of the leader every member in `among` (default: all running ones) agrees on, once ready."""
        among = among or self.running()

        def agreed():
            try:
                views = [m.cluster() for m in among]
                ready = [m.req("GET", "/ready", timeout=3).status_code for m in among]
            except (requests.RequestException, AssertionError):
                return None
            leaders = {v["leader"] for v in views}
            ids = {m.node_id for m in among}
            if len(leaders) == 1 and leaders <= ids and all(s == 200 for s in ready):
                return leaders.pop()
            return None

        return wait_until(agreed, timeout=timeout, interval=0.1, msg="an agreed leader")

    def leader(self):
        return self.member(self.wait_leader())

    def wait_converged(self, prefix, timeout=ELECTION):
        """Waits until every running member holds the same applied index and items; returns the items."""
        def same():
            try:
                indexes = {m.cluster()["applied_index"] for m in self.running()}
                if len(indexes) != 1:
                    return None
                views = [m.local_items(prefix) for m in self.running()]
            except (requests.RequestException, AssertionError):
                return None
            return ("converged", views[0]) if all(v == views[0] for v in views) else None

        return wait_until(same, timeout=timeout, interval=0.2, msg="members converged")[1]


@contextlib.contextmanager
def running_cluster(workdir, size=3, args=(), write_timeout=WRITE_TIMEOUT):
    """A started cluster in workdir for the with block (a module's fixture yields it); every member stopped after."""
    c = Cluster(workdir, size, args, write_timeout)
    try:
        yield c.start()
    finally:
        c.close()


def uid(prefix):
    """A unique key prefix, so the tests sharing a cluster never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}-"


def put(member, key, value):
    return member.req("PUT", "/kv/" + requests.utils.quote(key, safe=""), data=json.dumps({"value": value}))


def get(member, key, **params):
    return member.req("GET", "/kv/" + requests.utils.quote(key, safe=""), params=params)


def delete(member, key):
    return member.req("DELETE", "/kv/" + requests.utils.quote(key, safe=""))


def batch(member, operations):
    return member.req("POST", "/kv/batch", data=json.dumps({"operations": operations}))


def now():
    return time.monotonic()
