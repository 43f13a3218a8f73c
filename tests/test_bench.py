"""The bench/ scripts: --help and -h print usage and exit 0 without building, installing or starting anything."""
import os
import subprocess

import pytest

from kvserver import REPO, base_env

BENCH = REPO / "bench"
SCRIPTS = sorted(p.name for p in BENCH.iterdir() if p.is_file() and os.access(p, os.X_OK))
# Everything a benchmark may start: with --help none of them may run.
TOOLS = ("java", "jcmd", "mvn", "apt-get", "wrk", "redis-server", "redis-cli", "redis-benchmark")


def test_bench_has_the_scripts_the_readme_names():
    assert {"run", "memory", "replay", "helpers.py"} <= set(SCRIPTS), SCRIPTS


@pytest.fixture
def tripwires(tmp_path):
    """A PATH whose first entries are stand-ins for TOOLS that record being run, and an empty TMPDIR."""
    bin_dir, ran, tmp = tmp_path / "bin", tmp_path / "ran", tmp_path / "tmp"
    bin_dir.mkdir()
    tmp.mkdir()
    for tool in TOOLS:
        shim = bin_dir / tool
        shim.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{ran}"\nexit 1\n')
        shim.chmod(0o755)
    env = base_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "TMPDIR": str(tmp)})
    return env, ran, tmp


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("script", SCRIPTS)
def test_help_prints_usage_and_starts_nothing(script, flag, tripwires):
    env, ran, tmp = tripwires
    res = subprocess.run([str(BENCH / script), flag], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res
    assert "usage" in res.stdout.lower(), res.stdout
    assert not ran.exists(), f"{script} {flag} ran: {ran.read_text()}"
    assert "kvstore listening" not in res.stdout + res.stderr
    assert list(tmp.iterdir()) == [], f"{script} {flag} left temporary files behind"


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_unknown_argument_is_refused(script, tripwires):
    env, ran, _ = tripwires
    res = subprocess.run([str(BENCH / script), "--no-such-flag"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert res.returncode == 2, res
    assert not ran.exists(), f"{script} ran: {ran.read_text()}"
