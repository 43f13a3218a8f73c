"""Command line and environment configuration."""
import socket

import pytest
import requests

from conftest import free_port, jloads, uid


def one_clean_line(res):
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected exactly one stderr line, got {len(lines)}:\n{res.stderr}"
    assert "Exception" not in res.stderr and "\tat " not in res.stderr, res.stderr
    return lines[0]


def refused(host, port):
    try:
        with socket.create_connection((host, port), timeout=3):
            return False
    except OSError:
        return True


def body_of_size(n):
    pad = n - len('{"value":""}')
    return ('{"value":"' + "z" * pad + '"}').encode()


# ------------------------------------------------------------------ --help / --version
def test_help(run_cli):
    res = run_cli(["--help"])
    assert not res.timed_out and res.returncode == 0, res
    out = res.stdout
    for opt in ("--port", "--data-dir", "--host", "--fsync", "--max-body"):
        assert opt in out, f"{opt} missing from --help:\n{out}"
    assert "Exception" not in res.stderr


def test_version(run_cli):
    res = run_cli(["--version"])
    assert not res.timed_out and res.returncode == 0, res
    assert res.stdout.strip(), "--version printed nothing on stdout"


# ------------------------------------------------------------------ bad values
BAD_ARGS = [
    ("port-text", ["--port", "abc"], ("port", "abc")),
    ("port-70000", ["--port", "70000"], ("port", "70000")),
    ("port-0", ["--port", "0"], ("port",)),
    ("port-negative", ["--port", "-1"], ("port", "-1")),
    ("fsync-unknown", ["--fsync", "sometimes"], ("fsync", "sometimes")),
    ("fsync-empty", ["--fsync", ""], ("fsync",)),
    ("max-body-text", ["--max-body", "lots"], ("max-body", "lots")),
    ("max-body-unit", ["--max-body", "10XB"], ("max-body", "10xb")),
    ("max-body-negative", ["--max-body", "-5"], ("max-body", "-5")),
    ("unknown-option", ["--frobnicate"], ("frobnicate",)),
]


@pytest.mark.parametrize("name,args,hints", BAD_ARGS, ids=[b[0] for b in BAD_ARGS])
def test_bad_value_one_line_exit_2(run_cli, tmp_path, name, args, hints):
    res = run_cli(["--data-dir", str(tmp_path / "d"), *args])
    assert not res.timed_out, f"server started with bad value {args}"
    assert res.returncode != 0, res
    line = one_clean_line(res)
    assert any(h in line.lower() for h in hints), f"message does not name the bad setting: {line}"
    assert res.returncode == 2, res


BAD_ENV = [
    ("PORT", "abc"), ("PORT", "70000"), ("KVSTORE_FSYNC", "bogus"), ("KVSTORE_MAX_BODY", "huge"),
]


@pytest.mark.parametrize("var,value", BAD_ENV)
def test_bad_env_value_one_line_nonzero(run_cli, tmp_path, var, value):
    res = run_cli(["--data-dir", str(tmp_path / "d")], env={var: value})
    assert not res.timed_out, f"server started with {var}={value}"
    assert res.returncode != 0, res
    one_clean_line(res)
    assert res.returncode == 2, res


def test_data_dir_under_regular_file(run_cli, tmp_path):
    f = tmp_path / "file"
    f.write_text("not a directory")
    res = run_cli(["--port", str(free_port()), "--data-dir", str(f / "sub")])
    assert not res.timed_out, "server started with an unusable data dir"
    assert res.returncode != 0, res
    line = one_clean_line(res)
    assert "sub" in line or "data" in line.lower(), line
    assert res.returncode == 1, res


def test_data_dir_is_a_regular_file(run_cli, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    res = run_cli(["--port", str(free_port()), "--data-dir", str(f)])
    assert not res.timed_out and res.returncode != 0, res
    one_clean_line(res)


def test_port_in_use(run_cli, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = run_cli(["--port", str(port), "--data-dir", str(tmp_path / "d")])
    assert not res.timed_out and res.returncode != 0, res
    line = one_clean_line(res)
    assert str(port) in line or "in use" in line.lower(), line
    assert res.returncode == 1, res


def test_port_in_use_is_said_before_the_log_is_replayed(run_cli, tmp_path):
    """A restore beside a running server used to replay the whole log before finding its port taken. Here the
    log is damaged as well: the port, checked first, is what the one line names."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "wal.log").write_text('{"op":"set","key":"a","value":1,"timestamp":1}\nnot json\n'
                                  '{"op":"set","key":"b","value":2,"timestamp":2}\n')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = run_cli(["--port", str(port), "--data-dir", str(data)])
    assert res.returncode == 1, res
    line = one_clean_line(res)
    assert str(port) in line and "in use" in line.lower(), line


def test_unresolvable_host_one_line(run_cli, tmp_path):
    res = run_cli(["--host", "no-such-host.invalid", "--port", str(free_port()), "--data-dir", str(tmp_path / "d")])
    assert not res.timed_out and res.returncode == 1, res
    line = one_clean_line(res)
    assert "no-such-host.invalid" in line and "no such host" in line, line


# ------------------------------------------------------------------ environment
def test_env_port(server_factory):
    p = free_port()
    srv = server_factory(env={"PORT": p}, port=p, pass_port=False)
    assert srv.get("/health").status_code == 200
    assert f":{p}" in srv.stderr()


def test_env_data_dir(server_factory, tmp_path):
    d = tmp_path / "envdata"
    srv = server_factory(env={"DATA_DIR": d}, data_dir=d, pass_data_dir=False)
    assert srv.put_key("k", 1).status_code == 200
    assert (d / "wal.log").is_file() and (d / "wal.log").stat().st_size > 0


def test_env_fsync(server_factory):
    srv = server_factory(env={"KVSTORE_FSYNC": "never"})
    assert srv.stats()["fsync"] == "never"
    assert srv.put_key("k", 1).status_code == 200


def test_env_max_body(server_factory):
    srv = server_factory(env={"KVSTORE_MAX_BODY": "1KiB"})
    assert srv.put_key("ok", raw=body_of_size(1024)).status_code == 200
    assert srv.put_key("big", raw=body_of_size(2048)).status_code == 413


def test_env_host(server_factory):
    p = free_port()
    srv = server_factory(env={"KVSTORE_HOST": "127.0.0.2"}, host="127.0.0.2", port=p)
    assert srv.get("/health").status_code == 200
    assert refused("127.0.0.1", srv.port)
    assert f"listening on http://127.0.0.2:{srv.port}" in srv.stderr()


def test_ignores_plain_host_variable(server_factory):
    # zsh sets HOST; only KVSTORE_HOST configures the bind address
    srv = server_factory(env={"HOST": "127.0.0.2"})
    assert srv.get("/health").status_code == 200
    assert refused("127.0.0.2", srv.port)


# ------------------------------------------------------------------ flag beats env
def test_flag_port_beats_env(server_factory):
    env_port = free_port()
    srv = server_factory(env={"PORT": env_port})
    assert srv.port != env_port
    assert srv.get("/health").status_code == 200
    assert refused("127.0.0.1", env_port)


def test_flag_data_dir_beats_env(server_factory, tmp_path):
    env_dir = tmp_path / "env-dir"
    srv = server_factory(env={"DATA_DIR": env_dir})
    assert srv.put_key("k", 1).status_code == 200
    assert srv.wal.is_file()
    assert not (env_dir / "wal.log").exists()


def test_flag_fsync_beats_env(server_factory):
    srv = server_factory(args=["--fsync", "everysec"], env={"KVSTORE_FSYNC": "never"})
    assert srv.stats()["fsync"] == "everysec"


def test_flag_max_body_beats_env(server_factory):
    srv = server_factory(args=["--max-body", "1MiB"], env={"KVSTORE_MAX_BODY": "1KiB"})
    assert srv.put_key("k", raw=body_of_size(4096)).status_code == 200


def test_flag_host_beats_env(server_factory):
    srv = server_factory(args=["--host", "127.0.0.3"], env={"KVSTORE_HOST": "127.0.0.2"}, host="127.0.0.3")
    assert srv.get("/health").status_code == 200
    assert refused("127.0.0.2", srv.port)
    assert refused("127.0.0.1", srv.port)


# ------------------------------------------------------------------ defaults
def test_default_data_dir_is_data_under_cwd(server_factory, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    srv = server_factory(cwd=cwd, data_dir=cwd / "data", pass_data_dir=False)
    assert srv.put_key("k", "v").status_code == 200
    assert (cwd / "data" / "wal.log").is_file()
    srv.restart()
    assert srv.value_of("k") == "v"


def test_default_host_is_loopback_only(server_factory):
    srv = server_factory()
    assert srv.get("/health").status_code == 200
    assert refused("127.0.0.2", srv.port)
    assert f"listening on http://127.0.0.1:{srv.port}" in srv.stderr()


def test_default_port_8080(server_factory):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", 8080))
        except OSError:
            pytest.skip("port 8080 is busy on this machine")
    srv = server_factory(port=8080, pass_port=False)
    assert requests.get("http://127.0.0.1:8080/health", timeout=10).status_code == 200


@pytest.mark.parametrize("spec,limit", [("2048", 2048), ("2KiB", 2048), ("1MiB", 1024 * 1024)])
def test_max_body_size_syntax(server_factory, spec, limit):
    srv = server_factory(args=["--max-body", spec])
    assert srv.put_key("ok", raw=body_of_size(limit)).status_code == 200
    assert srv.put_key("no", raw=body_of_size(limit + 1)).status_code == 413


def test_max_body_gib_accepted(server_factory):
    srv = server_factory(args=["--max-body", "1GiB"])
    assert srv.put_key("k", 1).status_code == 200


def test_host_all_interfaces(server_factory):
    srv = server_factory(args=["--host", "0.0.0.0", "--insecure-no-auth"])
    assert srv.get("/health").status_code == 200
