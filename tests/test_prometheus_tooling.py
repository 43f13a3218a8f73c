"""The Prometheus tooling the metrics tests stand on (prometheus_support.py), checked against a stand-in
exporter so that a failure of a metrics test points at kvstore, not at the tooling."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from prometheus_support import promtool_check_metrics

GOOD = ("# HELP kvstore_stub_requests_total Requests the stand-in served.\n"
        "# TYPE kvstore_stub_requests_total counter\n"
        'kvstore_stub_requests_total{route="/kv/{key}",method="GET",status="200"} 7\n')


@pytest.fixture
def stub_exporter():
    """A loopback HTTP server answering GET /metrics with GOOD; yields its host:port."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = GOOD.encode() if self.path == "/metrics" else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_promtool_accepts_well_formed_metrics():
    rc, out = promtool_check_metrics(GOOD)
    assert rc == 0, out


def test_promtool_names_what_breaks_the_naming_guide():
    rc, out = promtool_check_metrics("# TYPE kvstore_log_bytes counter\nkvstore_log_bytes 3\n")
    assert rc != 0
    assert "_total" in out, out


def test_a_real_prometheus_scrapes_a_target_and_answers_queries(prometheus_factory, stub_exporter):
    prom = prometheus_factory(stub_exporter, job="stub")
    up = prom.wait_for('up{job="stub"} == 1')
    assert up[0]["metric"]["instance"] == stub_exporter
    series = prom.wait_for('kvstore_stub_requests_total{route="/kv/{key}"}')
    assert series[0]["metric"]["method"] == "GET" and series[0]["value"][1] == "7"


def test_prometheus_reports_a_target_that_does_not_answer(prometheus_factory, stub_exporter):
    prom = prometheus_factory(stub_exporter, job="stub", metrics_path="/nothing-here")
    down = prom.wait_for('up{job="stub"} == 0')
    assert down[0]["value"][1] == "0"
