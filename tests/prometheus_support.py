"""Prometheus for the metrics tests: `promtool check metrics`, and a real Prometheus server that scrapes a
target and answers queries through its HTTP API.

Both come from the Debian package `prometheus` (.ci/install-prometheus installs it). The server is never the
package's system service: each PrometheusServer runs its own process on a free loopback port, with its own
config file and data dir under the test's tmp_path, and is stopped by its PID.

    def test_x(prometheus_factory, server):
        prom = prometheus_factory(f"127.0.0.1:{server.port}")
        assert prom.wait_for('up{job="kvstore"} == 1')
"""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from kvserver import ALL_PROCS, free_port

START_TIMEOUT = 30  # seconds until /-/ready answers
QUERY_TIMEOUT = 30  # seconds a wait_for polls; scrapes run every SCRAPE_INTERVAL
SCRAPE_INTERVAL = "1s"


def require_tool(name):
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} not found: install the Debian package prometheus (.ci/install-prometheus does it)",
                    pytrace=False)
    return path


def promtool_check_metrics(text):
    """Runs `promtool check metrics` on the exposition text; returns (exit code, its complaints)."""
    res = subprocess.run([require_tool("promtool"), "check", "metrics"], input=text.encode("utf-8"),
                         capture_output=True, timeout=30)
    return res.returncode, (res.stdout + res.stderr).decode("utf-8", "replace")


class PrometheusServer:
    """One Prometheus process scraping `target` (host:port) every SCRAPE_INTERVAL as job `job`."""

    def __init__(self, workdir, target, job="kvstore", metrics_path="/metrics", scheme="http"):
        self.workdir = Path(workdir)
        self.target = target
        self.job = job
        self.metrics_path = metrics_path
        self.scheme = scheme
        self.port = None
        self.proc = None
        self.log_path = self.workdir / "prometheus.log"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self):
        config = self.workdir / "prometheus.yml"
        config.write_text(
            "global:\n"
            f"  scrape_interval: {SCRAPE_INTERVAL}\n"
            f"  scrape_timeout: {SCRAPE_INTERVAL}\n"
            "scrape_configs:\n"
            f"  - job_name: {self.job}\n"
            f"    metrics_path: {self.metrics_path}\n"
            f"    scheme: {self.scheme}\n"
            "    static_configs:\n"
            f"      - targets: ['{self.target}']\n")
        return config

    def start(self, timeout=START_TIMEOUT):
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        for attempt in range(3):
            self.port = free_port()
            cmd = [require_tool("prometheus"), f"--config.file={config}",
                   f"--storage.tsdb.path={self.workdir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
                   "--log.level=warn"]
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             cwd=self.workdir)
            ALL_PROCS.append(self.proc)
            if self._wait_ready(timeout):
                return self
            if "address already in use" not in self.log() or attempt == 2:
                self.stop()
                raise AssertionError(f"prometheus did not become ready; its log:\n{self.log()}")
            self.stop()  # the free port was taken meanwhile
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if requests.get(self.url + "/-/ready", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def query(self, expr):
        """The result vector of an instant query (a list of {"metric": {...}, "value": [t, "v"]})."""
        r = requests.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10)
        assert r.status_code == 200, (r.status_code, r.text)
        body = r.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def wait_for(self, expr, timeout=QUERY_TIMEOUT):
        """Polls until the query returns a non-empty result; returns it, or fails naming the target's state."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(expr)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"no result for {expr!r} after {timeout}s; targets: {self.targets()}")
            time.sleep(0.2)

    def targets(self):
        """What Prometheus says about its targets: health, last error, last scrape."""
        r = requests.get(self.url + "/api/v1/targets", timeout=10)
        return [{k: t.get(k) for k in ("scrapeUrl", "health", "lastError", "lastScrape")}
                for t in r.json()["data"]["activeTargets"]]

    def log(self):
        try:
            return self.log_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout=10):
        """SIGTERM by PID, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def prometheus_factory(tmp_path):
    """prometheus_factory(target, job="kvstore", metrics_path="/metrics") -> a started PrometheusServer."""
    servers = []

    def make(target, **kw):
        prom = PrometheusServer(tmp_path / f"prometheus{len(servers) + 1}", target, **kw)
        servers.append(prom)
        return prom.start()

    yield make
    for prom in servers:
        prom.stop()
