"""The command-line client: the jar's subcommands (get, put, delete, list, batch, backup, compact, cluster,
completion) against a real server, with the contract's exit statuses (0 ok, 1 not found, 2 usage, 3 precondition
failed, other non-zero for server or connection errors) and one line on stderr for each failure."""
import json
import shutil
import signal
import subprocess
import threading

import pytest

from conftest import CliResult, jloads, uid, wait_until
from kvserver import ALL_PROCS, REPO, base_env, client_cmd, closed_port
from test_security import start_locked
from test_tls import TlsServer, make_cert


def one_line(res):
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got:\n{res.stderr}"
    assert lines[0].startswith("kvstore: "), lines[0]
    assert "Exception" not in res.stderr and "\tat " not in res.stderr, res.stderr
    return lines[0]


@pytest.fixture
def kv(shared_server, tmp_path):
    """kv(*args, env=None, url=None, stdin="") runs `java -jar kvstore.jar <args> --url <url or the shared server>`
    in tmp_path, to its end."""
    def run(*args, env=None, url=None, stdin=""):
        done = subprocess.run(client_cmd([*args, "--url", url or shared_server.url]), input=stdin.encode(),
                              capture_output=True, env=base_env(env), cwd=tmp_path, timeout=60)
        return CliResult(done.returncode, done.stdout.decode(), done.stderr.decode(), False)
    return run


def test_put_get_delete_keep_every_digit(kv, shared_server):
    k = uid() + "greeting"
    res = kv("put", k, '{"text": "hello", "n": 12345678901234567890123, "x": 1e400}')
    assert res.returncode == 0, res.stderr
    put = jloads(res.stdout)
    assert put["key"] == k and put["created"] is True and "revision" in put
    assert b'"value":{"text":"hello","n":12345678901234567890123,"x":1e400}' in shared_server.get_key(k).content
    res = kv("get", k)
    assert res.returncode == 0 and res.stdout == '{"text":"hello","n":12345678901234567890123,"x":1e400}\n', res
    full = jloads(kv("get", k, "--full").stdout)
    assert full["key"] == k and full["value"]["n"] == 12345678901234567890123
    res = kv("delete", k)
    assert res.returncode == 0 and jloads(res.stdout)["deleted"] is True
    assert shared_server.get_key(k).status_code == 404


def test_string_values_stdin_and_ttl(kv, shared_server):
    k = uid()
    assert kv("put", k + "s", "plain text, not JSON", "--string").returncode == 0
    assert shared_server.value_of(k + "s") == "plain text, not JSON"
    assert kv("put", k + "in", stdin='{"from": "stdin"}').returncode == 0
    assert shared_server.value_of(k + "in") == {"from": "stdin"}
    assert kv("put", k + "ttl", "1", "--ttl", "0.5").returncode == 0
    wait_until(lambda: shared_server.get_key(k + "ttl").status_code == 404, timeout=10, msg="the TTL to run out")


def test_list_prefix_limit_and_values_across_pages(kv, shared_server):
    p = uid()
    keys = [f"{p}{i:04d}" for i in range(1203)]  # more than one page of 1000
    for start in range(0, len(keys), 500):
        r = shared_server.batch([{"op": "set", "key": k, "value": i} for i, k in enumerate(keys[start:start + 500], start)])
        assert r.status_code == 200, r.text
    res = kv("list", "--prefix", p)
    assert res.returncode == 0 and res.stdout.splitlines() == keys
    assert kv("list", "--prefix", p, "--limit", "3").stdout.splitlines() == keys[:3]
    assert kv("list", "--prefix", p + "x").stdout == ""


def test_batch_from_file_and_stdin(kv, shared_server, tmp_path):
    k = uid()
    f = tmp_path / "batch.json"
    f.write_text(json.dumps({"operations": [{"op": "set", "key": k + "a", "value": 1},
                                            {"op": "get", "key": k + "a"},
                                            {"op": "delete", "key": k + "missing"}]}))
    res = kv("batch", str(f))
    assert res.returncode == 0, res.stderr
    out = jloads(res.stdout)
    assert out["results"][0] == {"success": True, "key": k + "a", "created": True}
    assert out["results"][1]["value"] == 1
    assert out["results"][2]["deleted"] is False
    res = kv("batch", "-", stdin=json.dumps([{"op": "delete", "key": k + "a"}]))
    assert res.returncode == 0 and jloads(res.stdout)["results"][0]["deleted"] is True
    res = kv("batch", str(f.with_name("absent.json")))
    assert res.returncode == 2 and "absent.json" in one_line(res)


def test_exit_status_and_one_line_for_each_failure(kv, shared_server):
    res = kv("get", uid() + "missing")
    assert res.returncode == 1 and "key not found" in one_line(res)
    res = kv("delete", uid() + "missing")
    assert res.returncode == 1 and "key not found" in one_line(res)
    res = kv("put", uid(), "{not json")
    assert res.returncode == 2 and "--string" in one_line(res)
    res = kv("get")
    assert res.returncode == 2 and "KEY" in one_line(res)
    res = kv("list", "--frobnicate")
    assert res.returncode == 2 and "frobnicate" in one_line(res)
    res = kv("get", "k" * 1025)
    assert res.returncode == 2 and "key" in one_line(res)
    with closed_port() as port:
        res = kv("get", "k", url=f"http://127.0.0.1:{port}")
    assert res.returncode == 5 and "connection refused" in one_line(res)
    res = kv("get", "k", url="localhost:8080")
    assert res.returncode == 2 and "--url" in one_line(res)


def test_several_urls_go_on_past_one_that_is_down(kv, shared_server):
    k = uid()
    with closed_port() as port:
        urls = f"http://127.0.0.1:{port},{shared_server.url}"
        assert kv("put", k, "true", url=urls).returncode == 0
        assert kv("get", k, url=urls).stdout == "true\n"


def test_token_file_from_option_and_environment(kv, server_factory, tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    srv = start_locked(server_factory, args=["--auth-token-file", token])
    res = kv("get", "k", url=srv.url)
    assert res.returncode == 4 and "unauthorized" in one_line(res)
    assert kv("put", "k", "1", "--token-file", str(token), url=srv.url).returncode == 0
    res = kv("get", "k", url=srv.url, env={"KVSTORE_AUTH_TOKEN_FILE": str(token)})
    assert res.returncode == 0 and res.stdout == "1\n", res.stderr
    res = kv("get", "k", "--token-file", str(tmp_path / "absent"), url=srv.url)
    assert res.returncode == 2 and "--token-file" in one_line(res)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make certificates")
def test_https_with_cacert(kv, tmp_path):
    cert, key = make_cert(tmp_path)
    srv = TlsServer(tmp_path / "srv", cert, args=["--tls-cert", cert, "--tls-key", key])
    try:
        srv.start()
        url = f"https://localhost:{srv.port}"
        res = kv("put", "tls", '"over https"', "--cacert", str(cert), url=url)
        assert res.returncode == 0, res.stderr
        res = kv("get", "tls", url=url, env={"KVSTORE_CACERT": str(cert)})
        assert res.stdout == '"over https"\n', res.stderr
        res = kv("get", "tls", url=url)
        assert res.returncode == 5 and "TLS handshake failed" in one_line(res), "an unknown certificate is refused"
    finally:
        srv.close()


def test_backup_restores_and_compact(kv, server, server_factory, tmp_path):
    for i in range(5):
        server.put_key(f"b{i}", {"i": i})
    out = tmp_path / "backup.ndjson"
    res = kv("backup", str(out), url=server.url)
    assert res.returncode == 0, res.stderr
    assert jloads(res.stdout)["bytes"] == out.stat().st_size > 0
    data = tmp_path / "restored" / "data"
    data.mkdir(parents=True)
    shutil.copy(out, data / "wal.log")
    restored = server_factory(name="restored", data_dir=data)
    assert restored.list_keys() == [f"b{i}" for i in range(5)]
    res = kv("compact", url=server.url)
    assert res.returncode == 0 and jloads(res.stdout) == {"compaction": "started"}


def test_cluster_status_on_a_single_server_says_not_found(kv):
    res = kv("cluster", "status")
    assert res.returncode == 1 and "/cluster" in one_line(res)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to load the completion script")
def test_completion_script_loads_in_bash(run_cli, tmp_path):
    res = run_cli(["completion"])
    assert res.returncode == 0, res.stderr
    script = tmp_path / "kvstore_completion"
    script.write_text(res.stdout)
    done = subprocess.run(["bash", "-c", f"source {script} && complete -p kvstore"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0 and "kvstore" in done.stdout, done.stderr


def test_no_subcommand_still_starts_the_server(server_factory):
    srv = server_factory()
    assert srv.get("/health").status_code == 200


class WatchProcess:
    """`kvstore watch ...` as a process whose stdout lines are collected by a thread; stopped by PID."""

    def __init__(self, args):
        self.proc = subprocess.Popen(client_cmd(["watch", *args]), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=base_env())
        ALL_PROCS.append(self.proc)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(jloads(line))

    def wait_lines(self, n, timeout=30):
        return wait_until(lambda: len(self.lines) >= n and self.lines, timeout=timeout, msg=f"{n} watch lines")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def test_watch_prints_changes_as_json_lines_across_a_restart(server):
    watch = WatchProcess(["--prefix", "w/", "--from", "1", "--url", server.url])
    try:
        server.put_key("w/a", {"n": 12345678901234567890123})
        server.put_key("outside", 1)
        server.del_key("w/a")
        watch.wait_lines(2)
        server.restart()
        server.batch([{"op": "set", "key": "w/b", "value": []}, {"op": "set", "key": "w/c", "value": None}])
        lines = watch.wait_lines(4)
        assert [(e["type"], e["key"], e["revision"]) for e in lines] == [
            ("put", "w/a", 1), ("delete", "w/a", 3), ("put", "w/b", 4), ("put", "w/c", 4)], lines
        assert lines[0]["value"] == {"n": 12345678901234567890123}
        assert lines[3]["value"] is None
    finally:
        watch.stop()
    assert "connecting again" in watch.proc.stderr.read().decode(), "the restart was noticed and resumed"


def test_watch_past_the_history_exits_4_with_one_line(kv, server_factory):
    srv = server_factory(args=["--watch-history", "5"])
    for i in range(20):
        srv.put_key(f"h{i}", i)
    res = kv("watch", "--from", "1", url=srv.url)
    assert res.returncode == 4 and "list again" in one_line(res), res


def readme_cli_tour():
    """The commands of the README's "A tour with the command line" block and the output each is shown with."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## A tour with the command line"):]
    block = section[section.index("```sh\n") + 6:section.index("\n```", section.index("```sh\n"))]
    steps = []
    for line in block.splitlines():
        if line.startswith("# "):
            steps[-1][1].append(line[2:])
        elif line.startswith("#"):
            continue
        elif not line.startswith("alias "):
            steps.append((line, []))
    return steps


def test_readme_cli_tour_runs_as_shown(server, tmp_path):
    """Each command of the README's command-line tour, run in order against a fresh server, prints exactly the lines
    the README shows under it.  When this fails, run the tour yourself and copy the new output into README.md."""
    java = " ".join(f"'{a}'" for a in client_cmd([]))
    steps = readme_cli_tour()
    assert len(steps) >= 10, steps
    for command, shown in steps:
        done = subprocess.run(["bash", "-c", f"kvstore() {{ {java} \"$@\"; }}\n{command}"], capture_output=True,
                              text=True, timeout=60, cwd=tmp_path, env=base_env({"KVSTORE_URL": server.url}))
        got = done.stdout.splitlines()
        assert got == shown, (f"README.md's command-line tour: `{command}` printed\n" + "\n".join(got)
                              + "\nbut README.md shows\n" + "\n".join(shown) + f"\nstderr: {done.stderr}")
