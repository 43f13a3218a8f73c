"""Membership changes for the cluster tests: members started to join, writes kept going while members come and
go, and the checks that nothing acknowledged was lost.  Every process is stopped by its PID (cluster_support)."""
import threading

import requests

from cluster_support import ELECTION, PACE, Member, put
from kvserver import free_port, wait_until


def start_joiner(cluster, workdir, node_id, args=(), ports=None):
    """A new member started with --join (through the first running member) and only its own --peers entry, on
    `ports` (http, raft) or free ones; it is added to cluster.members so the cluster stops it.  Returns it once its
    HTTP server answers."""
    http, raft = ports or (free_port(), free_port())
    via = cluster.running()[0]
    m = Member(workdir / node_id, node_id, http, raft, f"{node_id}=127.0.0.1:{http}:{raft}",
               ["--join", f"127.0.0.1:{via.port}", *args])
    cluster.members.append(m)
    m.spawn()
    m.wait_ready()
    return m


def member_doc(m):
    return {"id": m.node_id, "http": f"127.0.0.1:{m.port}", "raft": f"127.0.0.1:{m.raft_port}"}


def ids(document):
    return sorted(x["id"] for x in document["members"])


class Writes:
    """Writes distinct keys one after another (PACE apart), each to the next member of `targets()` (the live ones),
    until stopped: the keys acknowledged, and every 503 that said the write never got a majority (no quorum)."""

    def __init__(self, targets, prefix):
        self.targets, self.prefix = targets, prefix
        self.acked, self.no_quorum, self.other = {}, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=60)

    def wait_for(self, count, timeout=ELECTION):
        """Waits until `count` more writes are acknowledged than now (the load is really going)."""
        goal = len(self.acked) + count
        wait_until(lambda: len(self.acked) >= goal, timeout=timeout, msg=f"{count} more acknowledged writes")

    def _run(self):
        i = 0
        while not self._stop.wait(PACE):
            live = self.targets()
            if not live:
                continue
            m = live[i % len(live)]
            key = f"{self.prefix}{i:06d}"
            try:
                r = put(m, key, i)
            except requests.RequestException as e:
                self.other.append((m.node_id, repr(e)))  # the member went away mid-request: outcome unknown
            else:
                if r.status_code == 200:
                    self.acked[key] = i
                elif r.status_code == 503 and r.json().get("error") == "no quorum":
                    self.no_quorum.append((m.node_id, key))
                else:
                    self.other.append((m.node_id, r.status_code, r.text))
            i += 1


def assert_all_present(cluster, writes):
    """Every acknowledged write is on every running member, and their listings are equal."""
    # Members that have just restarted apply what their logs hold only once a leader commits in its own term, and
    # until then they agree on an older applied index: a write acknowledged now is that commit, and all converge past it.
    marker = writes.prefix + "~last"
    r = put(cluster.leader(), marker, "last")
    assert r.status_code == 200, r.text
    items = cluster.wait_converged(writes.prefix)
    assert items.get(marker) == "last", "the members converged past the last write"
    missing = [k for k in writes.acked if items.get(k) != writes.acked[k]]
    assert not missing, f"{len(missing)} acknowledged writes missing, e.g. {missing[:5]}"
    return items


def change(member, method, path, **kw):
    """A membership request, answered within the change's bound (3 write timeouts) plus slack; on a connection of
    its own, since the writes' thread uses the member's session."""
    return requests.request(method, member.url + path, timeout=60, **kw)
