#!/usr/bin/env python3
"""Small stdlib-only helpers for the bench scripts.

usage: helpers.py COMMAND [ARGS...]

  helpers.py freeport                          print a free TCP port on 127.0.0.1
  helpers.py wait-http PORT PID TIMEOUT        wait until GET /health answers 200 (fails if PID dies)
  helpers.py preload PORT NKEYS [BATCH] [THREADS] [KEYFMT] [VALUE_KIND]
                                               load keys through POST /kv/batch (keep-alive, threads)
  helpers.py stats PORT                        print GET /stats
  helpers.py parse-wrk FILE                    print "rps p50_ms p99_ms non2xx sockerr" from wrk --latency output
  helpers.py redis-resp NKEYS KEYFMT           write RESP SET commands for redis-cli --pipe to stdout
  helpers.py gc-lines FILE                     print how many lines the JVM's -Xlog:gc file FILE has (0 if none yet)
  helpers.py gc-pauses FILE N                  print "COUNT, LONGEST ms" of the collector pauses FILE logged after
                                               its first N lines ("0" when none)
  helpers.py ticks PID...                      print "all jit" CPU ticks (utime+stime) of the PIDs' threads, summed:
                                               all of them, and the JIT compiler's ("C1/C2 CompilerThread")
  helpers.py warm-up SLICE MAX PIDS -- CMD...  run CMD (a load of SLICE seconds) again and again until the JIT
                                               compiler threads of PIDS (comma-separated) took under 2% of their
                                               CPU in two runs in a row, or MAX seconds passed; print the seconds
                                               it took (a warning on stderr when it did not settle)
"""
import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time


def freeport():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    print(port)


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def wait_http(port, pid, timeout):
    deadline = time.time() + float(timeout)
    while time.time() < deadline:
        if not pid_alive(int(pid)):
            sys.exit(f"server process {pid} exited before it became ready")
        try:
            c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=2)
            c.request("GET", "/health")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"server on port {port} not ready after {timeout}s")


def value_for(i, kind):
    if kind == "fixed":
        return "v" * 100
    # 100 bytes, distinct per key: "v" + 7 digits + 92 x
    return "v%07d" % i + "x" * 92


def preload(port, nkeys, batch=100, threads=4, keyfmt="k%05d", kind="fixed"):
    nkeys, batch, threads = int(nkeys), int(batch), int(threads)
    starts = list(range(0, nkeys, batch))
    lock = threading.Lock()
    errors = []
    done = [0]
    t0 = time.time()

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
        while True:
            with lock:
                if not starts or errors:
                    break
                s = starts.pop()
            ops = [{"op": "set", "key": keyfmt % i, "value": value_for(i, kind)}
                   for i in range(s, min(s + batch, nkeys))]
            body = json.dumps({"operations": ops}, separators=(",", ":")).encode()
            try:
                c.request("POST", "/kv/batch", body, {"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
            except OSError as e:
                with lock:
                    errors.append(f"batch at {s}: {e!r}")
                break
            if r.status != 200:
                with lock:
                    errors.append(f"batch at {s}: HTTP {r.status} {data[:200]!r}")
                break
            with lock:
                done[0] += len(ops)
        c.close()

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("preload failed: " + "; ".join(errors[:3]))
    dt = time.time() - t0
    print(f"preloaded {done[0]} keys in {dt:.1f}s ({done[0] / max(dt, 1e-9):,.0f} keys/s, "
          f"POST /kv/batch x{batch}, {threads} threads)", file=sys.stderr)


def stats(port):
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    c.request("GET", "/stats")
    r = c.getresponse()
    print(r.read().decode())


def to_ms(s):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", s)
    if not m:
        return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}[u]


def parse_wrk(path):
    text = open(path).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    sockerr = sum(int(x) for x in sock.groups()) if sock else 0
    print(rps.group(1) if rps else "nan",
          "%.3f" % to_ms(p50.group(1)) if p50 else "nan",
          "%.3f" % to_ms(p99.group(1)) if p99 else "nan",
          non2xx.group(1) if non2xx else "0",
          sockerr)


def redis_resp(nkeys, keyfmt):
    out = sys.stdout.buffer
    buf = []
    for i in range(int(nkeys)):
        k = (keyfmt % i).encode()
        v = value_for(i, "distinct").encode()
        buf.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
        if len(buf) >= 10000:
            out.write(b"".join(buf))
            buf.clear()
    out.write(b"".join(buf))
    out.flush()


def gc_log_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def gc_lines(path):
    print(len(gc_log_lines(path)))


def gc_pauses(path, skip):
    pauses = [float(m.group(1)) for line in gc_log_lines(path)[int(skip):]
              if "Pause" in line and (m := re.search(r"([\d.]+)ms$", line))]
    print(f"{len(pauses)}, {max(pauses):.1f} ms" if pauses else "0")


def thread_ticks(pid):
    """CPU ticks of each live thread of pid, by name; a thread's name may hold spaces and parentheses."""
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                text = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        yield name, int(rest[11]) + int(rest[12])  # utime, stime: fields 14 and 15 of stat(5)


def cpu_ticks(pids):
    """(all, jit) CPU ticks of the processes pids, summed: each process's own total, not the sum over its threads,
    so threads that ended still count."""
    total = jit = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        total += int(rest[11]) + int(rest[12])
        jit += sum(t for name, t in thread_ticks(pid) if "CompilerThre" in name)
    return total, jit


def ticks(*pids):
    print(*cpu_ticks(pids))


# A JVM takes far longer to compile its hot code than a short warm-up gives it, and its compiler competes with the
# server for the CPU: a row measured before the compiler is done counts compilation, not the server.
SETTLED_JIT_SHARE = 0.02
SETTLED_RUNS = 2


def warm_up(slice_seconds, max_seconds, pids, *command):
    slice_seconds, max_seconds = int(slice_seconds), int(max_seconds)
    pids = pids.split(",")
    if command[:1] == ("--",):
        command = command[1:]
    spent = settled = 0
    while slice_seconds > 0 and settled < SETTLED_RUNS and spent < max_seconds:
        all0, jit0 = cpu_ticks(pids)
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        all1, jit1 = cpu_ticks(pids)
        spent += slice_seconds
        settled = settled + 1 if jit1 - jit0 < SETTLED_JIT_SHARE * (all1 - all0) else 0
    if slice_seconds > 0 and settled < SETTLED_RUNS:
        load = next((os.path.basename(a) for a in command if a.endswith(".lua")), command[-1])
        print(f"WARNING: the JIT had not settled after {spent}s of warm-up ({load})", file=sys.stderr)
    print(spent)


def accept_only_help(prog, doc):
    """For a script that takes no arguments: --help/-h prints its docstring and exits 0, anything else exits 2."""
    argparse.ArgumentParser(prog=prog, description=doc,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()


COMMANDS = {"freeport": freeport, "wait-http": wait_http, "preload": preload, "stats": stats,
            "parse-wrk": parse_wrk, "redis-resp": redis_resp,
            "gc-lines": gc_lines, "gc-pauses": gc_pauses, "ticks": ticks, "warm-up": warm_up}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0)
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
