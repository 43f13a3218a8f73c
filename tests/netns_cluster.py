"""A kvstore cluster whose members each run in a network namespace of their own, so a test can cut one
member's Raft traffic off (and heal it) while still talking HTTP to every member.  Needs root and `ip`.

Per member i: namespace <tag>-n<i>; a veth into a shared bridge carries Raft (10.231.<net>.<i>), and a
second, point-to-point veth to the test's namespace carries HTTP (the member at 10.232.<net>.<4i+2>).
Cutting member i sets the host end of its Raft veth down.  Everything is removed on close(), even after
a failure.
"""
import os
import random
import shutil
import subprocess

from cluster_support import Cluster, Member

RAFT_PORT = 9090
HTTP_PORT = 8080


def available():
    """None when network namespaces can be used here, else why not."""
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    if not shutil.which("ip"):
        return "needs the ip command"
    probe = f"kvprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True)
    if r.returncode != 0:
        return "ip netns add failed: " + r.stderr.decode(errors="replace").strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, check=check)


class NamespacedMember(Member):
    def __init__(self, workdir, node_id, namespace, http_address, peers, args=()):
        # The address lives only inside the namespace this test made, so no one else can reach it: protected
        # mode's refusal of a non-loopback address without a token is waived on purpose.
        super().__init__(workdir, node_id, HTTP_PORT, RAFT_PORT, peers,
                         ["--host", http_address, "--insecure-no-auth", *args])
        self.namespace = namespace
        self.host = http_address

    def command(self, extra_args=()):
        return ["ip", "netns", "exec", self.namespace, *super().command(extra_args)]


class NetnsCluster(Cluster):
    def __init__(self, workdir, size=3, args=()):
        tag = f"{random.randrange(16 ** 4):04x}"
        self.net = random.randrange(1, 250)
        self.bridge = f"kvb{tag}"
        self.namespaces = [f"kv{tag}-n{i}" for i in range(1, size + 1)]
        self.raft_links = [f"kr{tag}{i}" for i in range(1, size + 1)]
        self.http_links = [f"kh{tag}{i}" for i in range(1, size + 1)]
        self._made = []  # what close() must remove, in order
        self.peers = ",".join(f"n{i}=10.231.{self.net}.{i}:{HTTP_PORT}:{RAFT_PORT}" for i in range(1, size + 1))
        self.members = [NamespacedMember(f"{workdir}/n{i}", f"n{i}", self.namespaces[i - 1],
                                         self._http_address(i, member=True), self.peers, args)
                        for i in range(1, size + 1)]

    def _http_address(self, i, member):
        return f"10.232.{self.net}.{4 * i + (2 if member else 1)}"

    def start(self):
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return super().start()

    def _build(self):
        _ip("link", "add", self.bridge, "type", "bridge")
        self._made.append(("link", self.bridge))
        _ip("link", "set", self.bridge, "up")
        for i, ns in enumerate(self.namespaces, start=1):
            _ip("netns", "add", ns)
            self._made.append(("netns", ns))
            _ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
            raft, http = self.raft_links[i - 1], self.http_links[i - 1]
            _ip("link", "add", raft, "type", "veth", "peer", "name", raft + "p")
            self._made.append(("link", raft))
            _ip("link", "set", raft + "p", "netns", ns)
            _ip("link", "set", raft, "master", self.bridge, "up")
            _ip("netns", "exec", ns, "ip", "addr", "add", f"10.231.{self.net}.{i}/24", "dev", raft + "p")
            _ip("netns", "exec", ns, "ip", "link", "set", raft + "p", "up")
            _ip("link", "add", http, "type", "veth", "peer", "name", http + "p")
            self._made.append(("link", http))
            _ip("link", "set", http + "p", "netns", ns)
            _ip("addr", "add", self._http_address(i, member=False) + "/30", "dev", http)
            _ip("link", "set", http, "up")
            _ip("netns", "exec", ns, "ip", "addr", "add", self._http_address(i, member=True) + "/30",
                "dev", http + "p")
            _ip("netns", "exec", ns, "ip", "link", "set", http + "p", "up")

    def cut(self, member):
        """Cuts the member's Raft traffic to and from every other member; its HTTP stays reachable."""
        _ip("link", "set", self.raft_links[self.members.index(member)], "down")

    def heal(self, member):
        _ip("link", "set", self.raft_links[self.members.index(member)], "up")

    def close(self):
        try:
            super().close()
        finally:
            for kind, name in reversed(self._made):
                _ip(kind, "del", name, check=False)
            self._made.clear()
