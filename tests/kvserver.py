"""Starting and stopping kvstore server processes: the launcher behind conftest.Server, the suite's one client.

The server under test is the jar at <repo>/kvstore-netty/target/kvstore.jar (override with the KVSTORE_JAR
environment variable), run with the JVM flags of KVSTORE_TEST_JAVA_OPTS, and with the class data archive at
KVSTORE_TEST_CDS when it names one, cluster members with the one at KVSTORE_TEST_CLUSTER_CDS, and the client subcommands
with the one at KVSTORE_TEST_CLIENT_CDS (tests/run.py makes them from the jar under test: every JVM then starts on a
quarter to a third less CPU).  Every process started here is stopped by its PID (by the fixture that owns it; ALL_PROCS is a safety net for the end of the session).
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
JAR = Path(os.environ.get("KVSTORE_JAR") or REPO / "kvstore-netty" / "target" / "kvstore.jar")
# JVM flags only shorten start-up; they do not change server behaviour.
JAVA_FLAGS = os.environ.get("KVSTORE_TEST_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").split()
# A cluster member keeps the JVM's default collector, as users run it: the serial one's full collections of a
# member holding tens of megabytes paused it for half a second, and for longer on a busy machine: long enough for a
# leader to lose its majority. A member starts no slower with the default one.
MEMBER_JAVA_FLAGS = [f for f in JAVA_FLAGS if f != "-XX:+UseSerialGC"]


def _archive(variable):
    """The flags that load classes from the archive the environment variable names, if it names one."""
    path = os.environ.get(variable)
    # An archive made from another jar is ignored; the logging option keeps the JVM from saying so on stderr,
    # which tests read.
    return [f"-XX:SharedArchiveFile={path}", "-Xlog:cds=off,cds+dynamic=off"] if path and Path(path).is_file() else []


# A server, or the server's command line, loads the classes a server run loaded; a client subcommand (get, put,
# watch...) loads others: a server's archive made one start slower than none, an archive of its own a third faster.
JAVA_OPTS = JAVA_FLAGS + _archive("KVSTORE_TEST_CDS")
# A cluster member loads Raft's classes besides: from an archive made by one.
CLUSTER_JAVA_OPTS = MEMBER_JAVA_FLAGS + _archive("KVSTORE_TEST_CLUSTER_CDS")
CLIENT_JAVA_OPTS = JAVA_FLAGS + _archive("KVSTORE_TEST_CLIENT_CDS")
START_TIMEOUT = 60  # seconds to become ready: a bound, generous for a machine running several test files at once

# Variables that would change the server's configuration or make the JVM print extra lines.
_SCRUB = {"PORT", "DATA_DIR", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"}

ALL_PROCS = []  # safety net: every Popen started by the test suites

# A suite started in the background of a non-interactive shell inherits SIGINT ignored, and so would every server it
# starts: the JVM leaves an ignored SIGINT ignored, so a server would not stop on it and the tests that send it would
# fail for the way the suite was started. Handled here, it is back to its default in every process started after.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def java_bin():
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


def require_jar():
    if not JAR.is_file():
        pytest.fail(
            f"kvstore jar not found at {JAR}; build it first with "
            f"`cd {REPO} && mvn -q -B package -DskipTests`",
            pytrace=False,
        )
    return JAR


def base_env(extra=None):
    """The test runner's environment without server settings, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("KVSTORE_")}
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def java_cmd(args):
    """The jar run as a server (a cluster member when args name --peers), or its command line checking a server's
    flags."""
    args = [str(a) for a in args]
    return [java_bin(), *(CLUSTER_JAVA_OPTS if "--peers" in args else JAVA_OPTS), "-jar", str(require_jar()), *args]


def client_cmd(args):
    """The jar's client subcommand args[0] (get, put, watch...)."""
    return [java_bin(), *CLIENT_JAVA_OPTS, "-jar", str(require_jar()), *[str(a) for a in args]]


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def closed_port(host="127.0.0.1"):
    """A port that refuses connections for the with block: bound and never listened on, so no server that another
    test file starts meanwhile can take it (a port from free_port() may be anybody's a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        yield s.getsockname()[1]


def wait_until(cond, timeout=10.0, interval=0.05, msg="condition"):
    """Poll cond() until truthy; return its value or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        last = cond()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {msg} (last={last!r})")
        time.sleep(interval)


class ServerStartError(AssertionError):
    pass


class KvServerProcess:
    """One kvstore server on data_dir: a new process, stderr file and stdout file for every start.

    port=None picks a free port: once, or for every start with fresh_port_per_start (for tests that kill and
    restart one data dir many times); a start that fails because the port was taken meanwhile is retried on
    another one.  pass_port / pass_data_dir=False leave --port / --data-dir off the command line (the server
    then takes them from env or its defaults).  The server counts as ready once /stats answers 200.
    """
    ready_path = "/stats"

    def __init__(self, workdir, data_dir=None, args=(), env=None, port=None, cwd=None, host="127.0.0.1",
                 pass_port=True, pass_data_dir=True, fresh_port_per_start=False):
        self.workdir = Path(workdir)
        self.data_dir = Path(data_dir) if data_dir is not None else self.workdir / "data"
        self.args = [str(a) for a in args]
        self.env = dict(env or {})
        self.cwd = str(cwd) if cwd is not None else str(self.workdir)
        self.host = host
        self.pass_port = pass_port
        self.pass_data_dir = pass_data_dir
        self._auto_port = port is None and pass_port
        self.fresh_port_per_start = fresh_port_per_start and self._auto_port
        self.port = port if port is not None or self.fresh_port_per_start else free_port()
        self.proc = None
        self.starts = 0
        self.err_path = None
        self.out_path = None
        self.session = requests.Session()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def wal(self):
        return self.data_dir / "wal.log"

    @property
    def pid(self):
        return self.proc.pid

    def command(self, extra_args=()):
        a = []
        if self.pass_port:
            a += ["--port", str(self.port)]
        if self.pass_data_dir:
            a += ["--data-dir", str(self.data_dir)]
        return java_cmd(a + self.args + [str(x) for x in extra_args])

    def spawn(self, extra_args=(), env=None):
        """Starts the process without waiting for readiness; env, if given, replaces self.env for this start."""
        require_jar()
        assert not self.running(), "already running"
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.fresh_port_per_start:
            self.port = free_port()
        self.starts += 1
        self.err_path = self.workdir / f"kvstore-{self.starts}.stderr"
        self.out_path = self.workdir / f"kvstore-{self.starts}.stdout"
        with open(self.err_path, "wb") as err, open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(self.command(extra_args), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=self.cwd,
                                         env=base_env(self.env if env is None else env))
        ALL_PROCS.append(self.proc)
        self.session.close()
        self.session = requests.Session()
        return self

    def start(self, extra_args=(), env=None, timeout=START_TIMEOUT):
        for attempt in range(3):
            self.spawn(extra_args, env)
            try:
                self.wait_ready(timeout)
                return self
            except ServerStartError:
                log = self.stderr().lower()
                if self._auto_port and self.proc.poll() is not None and attempt < 2 and (
                        "in use" in log or "bind" in log):
                    self.port = free_port()  # the free port was taken meanwhile
                    continue
                raise
        return self

    def restart(self, timeout=START_TIMEOUT):
        """SIGTERM (which must exit 0) if running, then start again on the same data dir."""
        if self.running():
            rc = self.stop()
            assert rc == 0, f"SIGTERM exit code {rc}; stderr:\n{self.stderr()}"
        return self.start(timeout=timeout)

    def run_to_exit(self, extra_args=(), env=None, timeout=START_TIMEOUT):
        """Starts a process that is expected to exit by itself (e.g. a refused start); returns its exit code."""
        self.spawn(extra_args, env)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"kvstore still running after {timeout}s; stderr:\n{self.stderr()}")

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"kvstore exited with {self.proc.returncode} during start-up; stderr:\n{self.stderr()}")
            try:
                # Asked over HTTP only once the port takes connections: a refused connection costs next to
                # nothing, a request a few milliseconds of this process's CPU, and a start takes seconds.
                if self.accepts_connections() and \
                        requests.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerStartError(f"kvstore not ready after {timeout}s; stderr:\n{self.stderr()}")
            time.sleep(0.03)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def accepts_connections(self):
        try:
            socket.create_connection((self.host, self.port), timeout=2).close()
            return True
        except OSError:
            return False

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Send sig (SIGTERM) by PID, wait, return the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        # An idle keep-alive connection of ours would make the server linger for it to read its last answer.
        self.session.close()
        os.kill(self.proc.pid, sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        """SIGKILL by PID, then reap; returns the exit code."""
        if self.running():
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def close(self):
        """Teardown: kill the process if it still runs, close the HTTP session."""
        self.kill()
        self.session.close()

    def stderr(self):
        """The stderr of the latest start."""
        try:
            return self.err_path.read_text("utf-8", "replace") if self.err_path else ""
        except FileNotFoundError:
            return ""

    def all_stderr(self):
        return "".join(f"--- {p.name}\n" + p.read_text("utf-8", "replace")
                       for p in sorted(self.workdir.glob("kvstore-*.stderr")))
