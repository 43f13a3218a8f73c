#!/usr/bin/env python3
"""Runs every test of kvstore: builds the jar, then the JUnit tests of every module and the black-box pytest
suite side by side, and prints each runner's summary line.

    python3 tests/run.py                      # everything (the README's second command, and .ci/run's)
    python3 tests/run.py tests/test_crud.py   # only these pytest files (no JUnit)
    python3 tests/run.py --no-build           # reuse the jar and test classes already built

The pytest files run in separate processes, several at a time (--jobs, or KVSTORE_TEST_JOBS; default three for
every two cores): most of a black-box test's time is spent waiting for a server, so the machine has room for
several, but not for many: the JVMs of six files at once on two cores took an eighth more CPU for the same tests
than those of three, and the whole run was longer. A file joins by existing: every tests/test_*.py is picked up.
A file that must have the machine to itself (timing that other load would distort) says so with one line at module
level:

    pytestmark = pytest.mark.alone

and runs after the others, with nothing beside it. Each file's output is kept and shown only when it failed, and
its temporary directories (its servers' data and stderr) are kept in <temp dir>/kvstore-test-failures/<file>.
Each file's wall and CPU time (its servers' included) is printed as it ends; the summary names the slowest files
and the CPU time of the whole run, which a shared machine's load changes less than the wall time.
Longer files start first: the runner remembers each file's last time in <temp dir>/kvstore-test-times.json.
Every server the tests start loads its classes from a class data archive made here from the jar under test
(KVSTORE_TEST_CDS), which saves about a quarter of each JVM start's CPU; every cluster member, from one made by a
member of a cluster of two (KVSTORE_TEST_CLUSTER_CDS); every client subcommand they run, from one of its own
(KVSTORE_TEST_CLIENT_CDS), which saves a third. Only the standard library is used (no PyPI here).
`python3 -m pytest tests/test_x.py` still runs a file on its own, as before.
"""
import argparse
import http.client
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import kvserver

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
ALONE = re.compile(r"^pytestmark\s*=.*\bpytest\.mark\.alone\b", re.MULTILINE)
COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")
JUNIT = re.compile(r"^\[\w+\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$", re.MULTILINE)
TIMES = Path(tempfile.gettempdir()) / "kvstore-test-times.json"
# A failed file's temporary directories (its servers' data and stderr) are moved here, one directory per file, and
# the last run's replace the earlier ones; a passed file's are removed.
KEPT = Path(tempfile.gettempdir()) / "kvstore-test-failures"
SLOWEST = 5  # files named in the closing summary, to show where the time goes


def log(msg):
    print(msg, flush=True)


class Job:
    """One runner process, its output kept in a file; finished() once it has exited."""

    def __init__(self, name, cmd, env=None):
        self.name, self.cmd = name, cmd
        self.out = tempfile.TemporaryFile()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        self.seconds = None
        self.cpu = None  # seconds of CPU of the process and every child it waited for (its servers)

    def poll(self):
        if self.seconds is None:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid == 0:
                return False
            self.proc.returncode = os.waitstatus_to_exitcode(status)
            self.seconds = time.monotonic() - self.started
            self.cpu = usage.ru_utime + usage.ru_stime
        return True

    def output(self):
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def pytest_files(chosen):
    files = [Path(f).resolve() for f in chosen] if chosen else sorted(TESTS.glob("test_*.py"))
    alone = [f for f in files if ALONE.search(f.read_text("utf-8"))]
    return [f for f in files if f not in alone], alone


def guessed_seconds(f):
    """A file's time before it has one on record: most of it goes to starting servers and waiting for them."""
    return 2.0 * len(re.findall(r"\.start\(|restart\(|_factory\(|kv_procs\(|run_cli\(|Cluster\(", f.read_text("utf-8")))


def summary_counts(text):
    """The counts of pytest's last summary line, e.g. {"passed": 12, "skipped": 1}."""
    for line in reversed(text.strip().splitlines()):
        found = COUNT.findall(line)
        if found and (" in " in line):
            counts = {}
            for n, kind in found:
                kind = "errors" if kind.startswith("error") else kind
                counts[kind] = counts.get(kind, 0) + int(n)
            return counts
    return {}


def run_pytest(files, alone, jobs, extra, workdir, beside=None):
    """Runs the files, `jobs` at a time (longest first), then the ones that must run alone; returns the finished jobs.
    Each file's temporary directories go under workdir. The job `beside` (JUnit) is polled as they run, so its time
    is taken when it ends."""
    try:
        times = json.loads(TIMES.read_text())
    except (OSError, ValueError):
        times = {}
    queue = sorted(files, key=lambda f: -times.get(f.name, guessed_seconds(f)))
    done, running = [], []

    def start(f):
        return Job(f.name, [sys.executable, "-m", "pytest", str(f), "-q", "-rs", "--basetemp", str(workdir / f.stem),
                            *extra])

    def report(j):
        counts = summary_counts(j.output())
        text = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no summary"
        if j.proc.returncode == 0:
            shutil.rmtree(workdir / Path(j.name).stem, ignore_errors=True)
        mark = "" if j.proc.returncode == 0 else f"  <-- FAILED (its servers' files: {keep(j)})"
        log(f"  {j.seconds:6.1f}s {j.cpu:6.1f}s cpu  {j.name}: {text}{mark}")
        times[j.name] = round(j.seconds, 1)

    def keep(j):
        kept = KEPT / Path(j.name).stem
        shutil.rmtree(kept, ignore_errors=True)
        try:
            KEPT.mkdir(exist_ok=True)
            shutil.move(str(workdir / kept.name), str(kept))
        except OSError:
            return "none"
        return kept

    def run(batch, at_once):
        while batch or running:
            while batch and len(running) < at_once:
                running.append(start(batch.pop(0)))
            if beside is not None:
                beside.poll()
            finished = [j for j in running if j.poll()]
            for j in finished:
                running.remove(j)
                done.append(j)
                report(j)
            if not finished:
                time.sleep(0.1)

    try:
        run(queue, jobs)
        run(list(alone), 1)
    finally:
        for j in running:
            j.stop()
        try:
            TIMES.write_text(json.dumps(times, indent=0, sort_keys=True))
        except OSError:
            pass
    return done


def class_data_archives(workdir):
    """Makes the class data archives of the jar under test: a server's (one server start that serves a few
    requests), a cluster member's (one of two members, which serves them as a follower and then as the leader: a
    member of a one-member cluster never loads the classes that talk to peers, a third of a member's) and a client
    subcommand's (one `put` to the server); the servers, members and client runs the tests start then load their
    classes from them. Returns their paths, None for one the JVM did not make."""
    archives = [workdir / "kvstore.jsa", workdir / "kvstore-cluster.jsa", workdir / "kvstore-client.jsa"]
    jar = str(kvserver.require_jar())

    def java(archive, *args):
        dump = [f"-XX:ArchiveClassesAtExit={archive}"] if archive else []
        return [kvserver.java_bin(), *kvserver.JAVA_FLAGS, *dump, "-jar", jar, *args]

    def start(archive, port, *args):
        return subprocess.Popen(java(archive, "--port", str(port), *args), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=kvserver.base_env())

    port = kvserver.free_port()
    members = [("n1", kvserver.free_port(), kvserver.free_port()), ("n2", kvserver.free_port(), kvserver.free_port())]
    peers = ",".join(f"{n}=127.0.0.1:{h}:{r}" for n, h, r in members)
    member_port = members[0][1]
    servers = [start(archives[0], port, "--data-dir", str(workdir / "data"))]
    servers += [start(archives[1] if n == "n1" else None, h, "--data-dir", str(workdir / n), "--node-id", n,
                      "--peers", peers) for n, h, r in members]
    try:
        deadline = time.monotonic() + 90
        # The member's steps: serve as whatever it is, serve as a follower, serve as the leader.
        steps = [lambda: serve_a_few_requests(member_port), lambda: lead(member_port, "n2", members[1][1]),
                 lambda: serve_a_few_requests(member_port), lambda: lead(member_port, "n1", member_port),
                 lambda: serve_a_few_requests(member_port)]
        pending = [(servers[0], lambda: serve_a_few_requests(port)), (servers[1], lambda: all_done(steps))]
        while pending and time.monotonic() < deadline:
            for proc, step in list(pending):
                if proc.poll() is not None or step():
                    pending.remove((proc, step))
            time.sleep(0.05)
        if servers[0].poll() is None:
            try:
                subprocess.run(java(archives[2], "put", "b", '{"x":[1,"y"]}', "--url", f"http://127.0.0.1:{port}"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                               env=kvserver.base_env(), timeout=120)
            except subprocess.TimeoutExpired:
                pass  # killed by run(): no archive
    finally:
        for proc in servers:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in servers:
            try:
                proc.wait(timeout=120)  # writing the archive takes a while on a busy machine
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return tuple(a if a.is_file() else None for a in archives)


def all_done(steps):
    """Runs the first of `steps` left and drops it once it returns true; true when none is left."""
    if steps and steps[0]():
        steps.pop(0)
    return not steps


def lead(port, node_id, its_port):
    """Asks the member on `port` to move the leadership to `node_id`; true once the member on `its_port` leads."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", "/cluster/leader", body=json.dumps({"id": node_id}).encode())
            conn.getresponse().read()
        finally:
            conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", its_port, timeout=5)
        try:
            conn.request("GET", "/cluster")
            return json.loads(conn.getresponse().read()).get("role") == "leader"
        finally:
            conn.close()
    except (OSError, ValueError):
        return False


def serve_a_few_requests(port):
    """Sends the server on `port` the requests a test would (a write goes through a member's log once it leads);
    False while it does not answer them all yet."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            for method, path, body in (("GET", "/health", None), ("PUT", "/kv/a", b'{"value":[1,"x"]}'),
                                       ("GET", "/kv/a", None), ("GET", "/kv?prefix=", None),
                                       ("POST", "/kv/batch", b'{"operations":[{"op":"delete","key":"a"}]}'),
                                       ("GET", "/stats", None), ("GET", "/metrics", None)):
                conn.request(method, path, body=body)
                answer = conn.getresponse()
                answer.read()
                if answer.status >= 500:
                    return False  # a member with no leader yet
            return True
        finally:
            conn.close()
    except OSError:
        return False


def junit_summary(text):
    totals = [0, 0, 0, 0]
    for m in JUNIT.finditer(text):
        for i in range(4):
            totals[i] += int(m.group(i + 1))
    return totals


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="pytest files to run (default: every tests/test_*.py, and JUnit)")
    ap.add_argument("--jobs", type=int,
                    default=int(os.environ.get("KVSTORE_TEST_JOBS", max(2, 3 * (os.cpu_count() or 1) // 2))))
    ap.add_argument("--no-build", action="store_true", help="use the jar and test classes already built")
    ap.add_argument("--no-junit", action="store_true", help="run only the pytest suite")
    args, extra = ap.parse_known_args()
    began = time.monotonic()
    if not args.no_build:
        # Without the tests' classes: JUnit's own run compiles them, beside the pytest files.
        log("building the jar: mvn -B -ntp -q package -Dmaven.test.skip=true")
        subprocess.run(["mvn", "-B", "-ntp", "-q", "package", "-Dmaven.test.skip=true"], cwd=REPO, check=True)
    junit = None
    if not args.files and not args.no_junit:
        junit = Job("JUnit", ["mvn", "-B", "-ntp", "test"])
    files, alone = pytest_files(args.files)
    workdir = Path(tempfile.mkdtemp(prefix="kvstore-tests."))
    archives = class_data_archives(workdir)
    for variable, archive in zip(("KVSTORE_TEST_CDS", "KVSTORE_TEST_CLUSTER_CDS", "KVSTORE_TEST_CLIENT_CDS"), archives):
        if archive is not None:
            os.environ[variable] = str(archive)
    # Each pytest process would otherwise compile, and rewrite the asserts of, every module it imports, hypothesis's
    # many included (pytest rewrites a plugin's modules), when the environment forbids cached bytecode: more than a
    # second of CPU per file. The first process to import a module caches it under the run's directory.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    log(f"pytest: {len(files)} files, {args.jobs} at a time, then {len(alone)} alone"
        + ("; JUnit (mvn test) beside them" if junit else "")
        + ("" if all(archives) else "; a class data archive is missing (JVMs start slower)"))
    try:
        done = run_pytest(files, alone, args.jobs, extra, workdir, junit)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if junit is not None and not junit.poll():
            log("waiting for JUnit")
        while junit is not None and not junit.poll():
            time.sleep(0.2)
    failed = [j for j in done if j.proc.returncode != 0]
    for j in failed:
        log(f"\n{'=' * 30} {j.name} (exit {j.proc.returncode}) {'=' * 30}\n{j.output()}")
    ok = not failed
    log("")
    if junit is not None:
        run, failures, errors, skipped = junit_summary(junit.output())
        junit_ok = junit.proc.returncode == 0
        if not junit_ok:
            log(f"{'=' * 30} JUnit (exit {junit.proc.returncode}) {'=' * 30}\n{junit.output()[-20000:]}")
        log(f"JUnit: {run} tests, {failures} failures, {errors} errors, {skipped} skipped in {junit.seconds:.0f}s"
            + ("" if junit_ok else "  <-- FAILED"))
        ok = ok and junit_ok
    totals = {}
    for j in done:
        for k, n in summary_counts(j.output()).items():
            totals[k] = totals.get(k, 0) + n
    text = ", ".join(f"{n} {k}" for k, n in sorted(totals.items()))
    log(f"pytest: {text} in {len(done)} files" + ("" if not failed else f"; failed files: "
                                                  + " ".join(j.name for j in failed)))
    slowest = sorted(done, key=lambda j: -j.seconds)[:SLOWEST]
    log(f"slowest files: " + ", ".join(f"{j.name} {j.seconds:.0f}s ({j.cpu:.0f}s cpu)" for j in slowest))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    log(f"cpu: pytest files {sum(j.cpu for j in done):.0f}s"
        + (f", JUnit {junit.cpu:.0f}s" if junit is not None else "")
        + f", everything this run started {children.ru_utime + children.ru_stime:.0f}s")
    log(f"all tests: {'passed' if ok else 'FAILED'} in {time.monotonic() - began:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
