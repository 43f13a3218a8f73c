"""Mutual TLS between members (--peer-tls-cert, --peer-tls-key, --peer-tls-ca), with a CA this test makes with
openssl in its own directory: members with certificates it signed replicate; a member whose certificate another CA
signed, or that talks plain text, cannot join, and the others go on.  Protected mode: a raft address other than
loopback refuses to start without peer TLS."""
import subprocess

import pytest
from cluster_support import Cluster, put, uid
from kvserver import base_env, free_port, java_cmd
from membership_support import Writes, assert_all_present, change, ids, member_doc, start_joiner


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(directory, name):
    """A certificate authority: (its certificate, its key)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert))
    return cert, key


def make_member_cert(directory, ca, name):
    """A certificate for a member on 127.0.0.1, signed by `ca`: --peer-tls-* arguments with `ca`'s certificate."""
    key, csr, cert, ext = (directory / f"{name}{s}" for s in (".key", ".csr", ".pem", ".ext"))
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
            "-keyout", str(key), "-out", str(csr))
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
            "-days", "2", "-extfile", str(ext), "-out", str(cert))
    return ["--peer-tls-cert", cert, "--peer-tls-key", key, "--peer-tls-ca", ca[0]]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    return d, make_ca(d, "kvstore-test-ca"), make_ca(d, "another-ca")


def test_members_replicate_over_mutual_tls_and_a_stranger_cannot_join(tmp_path, pki):
    d, ca, other = pki
    c = Cluster(tmp_path)
    for m in c.members:
        m.args += [str(a) for a in make_member_cert(d, ca, m.node_id)]
    try:
        c.start()
        founders = list(c.members)
        with Writes(lambda: [m for m in founders if m.running()], uid("tls")) as writes:
            writes.wait_for(20)
            leader = c.leader()
            assert "(mutual TLS)" in leader.stderr()

            stranger = start_joiner(c, tmp_path, "n4", make_member_cert(d, other, "n4"))
            r = change(leader, "POST", "/cluster/members", json=member_doc(stranger))
            assert r.status_code == 503 and "cannot reach n4" in r.json()["error"], r.text
            writes.wait_for(20)

            plain = start_joiner(c, tmp_path, "n5")
            r = change(leader, "POST", "/cluster/members", json=member_doc(plain))
            assert r.status_code == 503, r.text
            writes.wait_for(20)
            stranger.close()
            plain.close()
        c.members = [m for m in c.members if m.node_id not in ("n4", "n5")]
        assert not writes.no_quorum, writes.no_quorum
        assert all(ids(m.cluster()) == ["n1", "n2", "n3"] for m in c.members)
        assert_all_present(c, writes)
        assert put(c.leader(), uid("after") + "k", 1).status_code == 200
    finally:
        c.close()


def run_to_exit(tmp_path, *args):
    done = subprocess.run(java_cmd(["--data-dir", tmp_path / "data", *args]), capture_output=True, timeout=120,
                          env=base_env())
    return done.returncode, done.stderr.decode("utf-8", "replace").strip().splitlines()


def test_a_raft_address_reachable_from_elsewhere_needs_peer_tls_or_the_override(tmp_path):
    peers = f"n1=0.0.0.0:{free_port()}:{free_port()}"
    code, lines = run_to_exit(tmp_path, "--node-id", "n1", "--peers", peers)
    assert code != 0 and len(lines) == 1, lines
    assert "--peer-tls-cert" in lines[0] and "--insecure-no-auth" in lines[0], lines


def test_peer_tls_files_go_together_and_are_checked(tmp_path, pki):
    d, ca, _ = pki
    args = make_member_cert(d, ca, "alone")
    peers = f"n1=127.0.0.1:{free_port()}:{free_port()}"
    code, lines = run_to_exit(tmp_path, "--node-id", "n1", "--peers", peers, *args[:4])
    assert code != 0 and len(lines) == 1 and "--peer-tls-ca" in lines[0], lines
    code, lines = run_to_exit(tmp_path, "--node-id", "n1", "--peers", peers, *args[:5], d / "alone.key")
    assert code != 0 and len(lines) == 1 and "--peer-tls-ca" in lines[0], lines
