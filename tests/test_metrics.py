"""GET /metrics: the Prometheus text format, its series after real traffic, promtool's check, a real scrape.

promtool and prometheus come from the Debian package `prometheus` (.ci/run installs it). The Prometheus server
started here is our own process (own config, port and data dir in tmp_path), stopped by its PID; the
package's system service is never used.
"""
import re
import shutil
import subprocess

import pytest
import requests

from conftest import TIMEOUT, free_port, uid, wait_until

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
COMPACT_ARGS = ["--compact-min-bytes", "4KiB", "--compact-ratio", "1.5"]
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset of (label, value))): float} for every sample; fails on a line it cannot read."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def scrape(server):
    r = server.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers.get("content-type") == CONTENT_TYPE
    return r.text


def value(samples, name, **labels):
    """The sample `name` with exactly `labels`; fails when absent."""
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no {name}{labels} among {sorted(n for n, _ in samples if n.startswith(name))}"
    return samples[key]


def metric(server, name, **labels):
    return value(parse(scrape(server)), name, **labels)


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package prometheus "
                    "(apt-get install -y --no-install-recommends prometheus)", pytrace=False)
    return path


def traffic(server, puts=5):
    """Known requests on a fresh server: `puts` PUTs, a hit, a miss, a batch of two sets, a 405."""
    p = uid()
    for i in range(puts):
        assert server.put_key(f"{p}{i}", i).status_code == 200
    assert server.get_key(f"{p}0").status_code == 200
    assert server.get_key(f"{p}missing").status_code == 404
    assert server.batch([{"op": "set", "key": f"{p}b1", "value": 1},
                         {"op": "set", "key": f"{p}b2", "value": 2}]).status_code == 200
    assert server.post("/stats").status_code == 405


def test_metrics_is_prometheus_text_with_help_and_type(server):
    text = scrape(server)
    assert "# HELP kvstore_http_requests_total " in text
    assert "# TYPE kvstore_http_requests_total counter" in text
    assert "# TYPE kvstore_http_request_duration_seconds histogram" in text
    assert "# TYPE kvstore_keys gauge" in text
    parse(text)


def test_only_get_is_allowed_on_metrics(server):
    r = server.post("/metrics")
    assert r.status_code == 405
    assert r.headers.get("allow") == "GET"


def test_requests_are_counted_by_route_method_and_status_with_their_latency(server):
    traffic(server, puts=5)
    s = parse(scrape(server))
    expected = {("item", "PUT", "200"): 5, ("item", "GET", "200"): 1, ("item", "GET", "404"): 1,
                ("batch", "POST", "200"): 1, ("stats", "POST", "405"): 1}
    for (route, method, status), n in expected.items():
        labels = dict(route=route, method=method, status=status)
        assert value(s, "kvstore_http_requests_total", **labels) == n, labels
        assert value(s, "kvstore_http_request_duration_seconds_count", **labels) == n, labels
        assert value(s, "kvstore_http_request_duration_seconds_bucket", le="+Inf", **labels) == n, labels
        total = value(s, "kvstore_http_request_duration_seconds_sum", **labels)
        assert 0 < total < 10 * n, (labels, total)
    assert value(s, "kvstore_http_open_connections") >= 1


def test_every_route_is_counted_under_its_own_label_streamed_backups_included(server):
    server.put_key("a", 1)
    assert server.get("/openapi.json").status_code == 200
    assert server.post("/admin/compact").status_code in (202, 409)
    backup = server.get("/backup")
    assert backup.status_code == 200 and b'"key":"a"' in backup.content
    assert server.get("/cluster").status_code == 404  # a single server has no cluster: counted, as its own route
    requests = {dict(labels)["route"] + " " + dict(labels)["method"]: n
                for (name, labels), n in parse(scrape(server)).items() if name == "kvstore_http_requests_total"}
    for counted in ("openapi GET", "compact POST", "backup GET", "cluster GET"):
        assert requests.get(counted) == 1, (counted, requests)
    assert not [r for r in requests if r.startswith("not_found")], requests


def test_log_figures_match_the_writes_made(server):
    traffic(server, puts=5)
    s = parse(scrape(server))
    stats = server.stats()
    writes = 6  # five PUTs and one batch: a batch is one write to the log
    assert value(s, "kvstore_wal_writes_total") == writes
    assert value(s, "kvstore_wal_writes_per_fsync_sum") == writes, "under fsync always every write is fsynced"
    fsyncs = value(s, "kvstore_wal_fsyncs_total")
    assert 1 <= fsyncs <= writes
    assert fsyncs == stats["wal_fsyncs"]
    assert value(s, "kvstore_wal_fsync_duration_seconds_count") == fsyncs
    assert value(s, "kvstore_wal_writes_per_fsync_count") == fsyncs
    groups = value(s, "kvstore_wal_append_duration_seconds_count")
    assert fsyncs <= groups <= writes
    assert value(s, "kvstore_wal_size_bytes") == stats["wal_bytes"]
    appended = value(s, "kvstore_wal_appended_bytes_total")
    assert 0 < appended < stats["wal_bytes"], "the log holds the appends and its version mark"
    assert value(s, "kvstore_keys") == stats["keys"] == 7
    assert value(s, "kvstore_value_bytes") == stats["size_bytes"]


def test_compaction_and_expiry_are_counted(server_factory):
    server = server_factory(args=COMPACT_ARGS)
    p = uid()
    assert server.put_key(f"{p}short", "gone soon", ttl=1).status_code == 200
    for i in range(400):
        assert server.put_key(f"{p}{i % 4}", "x" * 40).status_code == 200
    wait_until(lambda: metric(server, "kvstore_compactions_total") >= 1, timeout=20, msg="a compaction")
    wait_until(lambda: metric(server, "kvstore_expired_keys_total") >= 1, timeout=20, msg="the TTL key removed")
    s = parse(scrape(server))
    compactions = value(s, "kvstore_compactions_total")
    assert value(s, "kvstore_compaction_duration_seconds_count") == compactions
    assert value(s, "kvstore_compaction_reclaimed_bytes_total") > 0
    assert value(s, "kvstore_compactions_total") == server.stats()["compactions"]


def test_replay_is_reported_after_a_restart(server):
    p = uid()
    for i in range(3):
        assert server.put_key(f"{p}{i}", i).status_code == 200
    assert server.batch([{"op": "set", "key": f"{p}b1", "value": 1},
                         {"op": "set", "key": f"{p}b2", "value": 2}]).status_code == 200
    server.restart()
    s = parse(scrape(server))
    assert value(s, "kvstore_replay_records") == 5, "each write inside a batch counts"
    assert 0 <= value(s, "kvstore_replay_duration_seconds") < 20
    assert value(s, "kvstore_keys") == 5


def test_jvm_memory_gc_and_threads_are_exported(server):
    s = parse(scrape(server))
    assert value(s, "jvm_memory_used_bytes", area="heap") > 0
    assert value(s, "jvm_threads_current") > 0
    assert any(name == "jvm_gc_collection_seconds_count" for name, _ in s), "no GC series"


def test_promtool_accepts_the_metrics(server):
    promtool = tool("promtool")
    traffic(server)
    text = scrape(server)
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                           timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == "", f"promtool has remarks: {check.stdout}"


def test_a_real_prometheus_scrapes_kvstore(server, tmp_path):
    prometheus = tool("prometheus")
    traffic(server)
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: kvstore\n"
        "    static_configs:\n"
        f"      - targets: ['127.0.0.1:{server.port}']\n")
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api/v1/query"

    def query(q):
        try:
            r = requests.get(api, params={"query": q}, timeout=TIMEOUT)
        except requests.ConnectionError:
            return []
        if r.status_code != 200:
            return []
        body = r.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    try:
        up = wait_until(lambda: query('up{job="kvstore"}'), timeout=60, msg="Prometheus to scrape kvstore")
        assert up[0]["value"][1] == "1", up
        puts = wait_until(lambda: query('kvstore_http_requests_total{route="item",method="PUT",status="200"}'),
                          timeout=30, msg="a kvstore series in Prometheus")
        assert float(puts[0]["value"][1]) == 5, puts
        keys = query("kvstore_keys")
        assert keys and float(keys[0]["value"][1]) == 7, keys
    except AssertionError:
        log.flush()
        print((tmp_path / "prometheus.log").read_text(errors="replace")[-3000:])
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()
