"""HTTPS from PEM files: TLS 1.2 and 1.3 only; unusable files stop the start with one line.

Certificates are made at test time with openssl.
"""
import json
import re
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import Server, enc, free_port, uid, wait_until
from kvserver import START_TIMEOUT

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make certificates")


def make_cert(directory, name="server"):
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture(scope="module")
def pem(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("tls"))


class TlsServer(Server):
    """The shared server helpers, over https, trusting the test certificate."""

    def __init__(self, workdir, cert, **kw):
        super().__init__(workdir, **kw)
        self.cert = cert

    @property
    def url(self):
        return f"https://{self.host}:{self.port}"

    def request(self, method, path, **kw):
        kw.setdefault("verify", str(self.cert))  # explicit: REQUESTS_CA_BUNDLE would beat session.verify
        return super().request(method, path, **kw)

    def wait_ready(self, timeout=START_TIMEOUT):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"kvstore exited with {self.proc.returncode}; stderr:\n{self.stderr()}")
            try:
                return self.get("/health", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_until(ready, timeout=timeout, msg="kvstore serving https")


@pytest.fixture
def tls_server(tmp_path, pem):
    cert, key = pem
    srv = TlsServer(tmp_path / "srv", cert, args=["--tls-cert", cert, "--tls-key", key])
    try:
        yield srv.start()
    finally:
        srv.close()


def handshake(srv, version):
    ctx = ssl.create_default_context(cafile=str(srv.cert))
    ctx.minimum_version = ctx.maximum_version = version
    with socket.create_connection((srv.host, srv.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            negotiated = s.version()
            s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
            return negotiated, data


def test_https_serves_the_api(tls_server):
    k = uid() + "tls"
    assert tls_server.put_key(k, {"over": "tls"}).status_code == 200
    assert tls_server.value_of(k) == {"over": "tls"}
    assert "https://" in tls_server.stderr()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_12_and_13_accepted(tls_server, version):
    negotiated, data = handshake(tls_server, version)
    assert negotiated == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
    assert data.startswith(b"HTTP/1.1 200"), data[:100]


def test_tls_11_refused_by_the_server(tls_server):
    # openssl's client still offers TLS 1.1 at security level 0, so the refusal seen is the server's alert
    r = subprocess.run(["openssl", "s_client", "-connect", f"{tls_server.host}:{tls_server.port}", "-tls1_1",
                        "-cipher", "DEFAULT:@SECLEVEL=0"], input=b"", capture_output=True, timeout=30)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    assert "alert protocol version" in out, out


def tls12_cipher_agreed(srv, offered):
    """The cipher a TLS 1.2 handshake offering only `offered` (OpenSSL names) settles on, or None when refused."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"{srv.host}:{srv.port}", "-tls1_2",
                        "-cipher", offered + ":@SECLEVEL=0"], input=b"", capture_output=True, timeout=30)
    found = re.search(r"Cipher is (\S+)", (r.stdout + r.stderr).decode("utf-8", "replace"))
    return None if found is None or found.group(1) == "(NONE)" else found.group(1)


@pytest.mark.parametrize("weak", ["AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES256-SHA384"],
                         ids=["rsa-kx-cbc", "ecdhe-cbc", "rsa-kx-gcm", "ecdhe-cbc-sha384"])
def test_tls12_refuses_suites_without_forward_secrecy_or_aead(tls_server, weak):
    """Issue 17, hole 4: TLS 1.2 accepted RSA key exchange and CBC suites."""
    assert tls12_cipher_agreed(tls_server, weak) is None


@pytest.mark.parametrize("good", ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                  "ECDHE-RSA-CHACHA20-POLY1305"])
def test_tls12_serves_forward_secret_aead_suites(tls_server, good):
    assert tls12_cipher_agreed(tls_server, good) == good


def test_plain_http_on_the_tls_port_is_not_served(tls_server):
    with pytest.raises(requests.RequestException):
        r = requests.get(f"http://{tls_server.host}:{tls_server.port}/health", timeout=5)
        assert r.status_code != 200, r  # never an unencrypted answer
        raise requests.RequestException("answered in plain text: " + r.text)


def start_fails(run_cli, tmp_path, args):
    r = run_cli(["--port", free_port(), "--data-dir", tmp_path / "d", *args])
    assert r.returncode not in (0, None) and not r.timed_out, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Exception" not in lines[0] and "\tat " not in r.stderr, r.stderr
    return lines[0]


def test_key_of_another_certificate_refused(run_cli, tmp_path, pem):
    cert, _ = pem
    _, other_key = make_cert(tmp_path, "other")
    line = start_fails(run_cli, tmp_path, ["--tls-cert", cert, "--tls-key", other_key])
    assert str(other_key) in line and "not the private key" in line, line


@pytest.mark.parametrize("which", ["cert", "key"])
def test_unreadable_pem_refused(run_cli, tmp_path, pem, which):
    cert, key = pem
    missing = tmp_path / "missing.pem"
    args = ["--tls-cert", missing if which == "cert" else cert, "--tls-key", missing if which == "key" else key]
    line = start_fails(run_cli, tmp_path, args)
    assert str(missing) in line and "cannot read" in line, line


@pytest.mark.parametrize("kind", ["sec1-ec", "pkcs1-rsa"])
def test_key_openssl_writes_in_an_old_form_is_refused_with_the_command_that_converts_it(run_cli, tmp_path, pem, kind):
    cert, _ = pem
    old = tmp_path / f"{kind}.pem"
    make = (["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(old)] if kind == "sec1-ec"
            else ["openssl", "genrsa", "-traditional", "-out", str(old), "2048"])
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    line = start_fails(run_cli, tmp_path, ["--tls-cert", cert, "--tls-key", old])
    assert "--tls-key" in line and str(old) in line, line
    convert = re.search(r"(openssl pkcs8 -topk8 -nocrypt -in \S+ -out \S+)", line)
    assert convert, line
    subprocess.run(convert.group(1).split(), check=True, capture_output=True, timeout=60)
    converted = Path(convert.group(1).split()[-1])
    assert converted.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_not_pem_refused(run_cli, tmp_path, pem):
    cert, _ = pem
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    line = start_fails(run_cli, tmp_path, ["--tls-cert", cert, "--tls-key", junk])
    assert "junk.pem" in line and "PEM" in line, line


def test_cert_without_key_refused(run_cli, tmp_path, pem):
    cert, _ = pem
    assert "--tls-key" in start_fails(run_cli, tmp_path, ["--tls-cert", cert])


def test_tls_files_from_environment(tmp_path, pem):
    cert, key = pem
    srv = TlsServer(tmp_path / "srv", cert, env={"KVSTORE_TLS_CERT": str(cert), "KVSTORE_TLS_KEY": str(key)})
    try:
        srv.start()
        k = uid() + "env"
        assert srv.put("/kv/" + enc(k), data=json.dumps({"value": 1})).status_code == 200
    finally:
        srv.close()
