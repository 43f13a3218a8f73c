"""Disk full for real (issue 3 item 4): the data dir on a 2 MiB tmpfs.

A write that does not fit gets 507 (or 503) with a JSON error and is not applied; reads go on; the log
stays replayable; once space returns (filler files made beforehand are deleted) writes succeed again.
Skipped with the reason when a tmpfs cannot be mounted here (needs root / CAP_SYS_ADMIN).
"""
import os
import subprocess
import time

import pytest

from conftest import MISSING, wait_until
from durability_support import check_log_replayable

VALUE = "v" * (16 << 10)


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small-fs"
    mnt.mkdir()
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                           capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot mount a small tmpfs for the disk-full test: {e}")
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for the disk-full test: "
                    f"`mount -t tmpfs` exited {r.returncode}: {(r.stderr or r.stdout).strip()}")
    cleanups = []
    try:
        yield mnt, cleanups
    finally:
        for c in cleanups:  # stop the servers (by PID) before unmounting
            c()
        if subprocess.run(["umount", str(mnt)], capture_output=True, timeout=20).returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=20)


def _fill_until_refused(srv, tag, acked):
    """PUTs 16 KiB values until one is refused; returns that response. Acked writes go into acked."""
    for i in range(1000):
        key = f"{tag}-{i}"
        r = srv.put_key(key, VALUE + key)
        if r.status_code != 200:
            assert r.status_code in (507, 503), f"write on a full disk: {r.status_code} {r.text[:300]}"
            assert "application/json" in r.headers.get("content-type", ""), r.headers
            body = r.json()
            assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
            assert srv.value_of(key) is MISSING, "a refused write was applied"
            acked.setdefault(key, MISSING)
            return r
        acked[key] = VALUE + key
    pytest.fail("the 2 MiB filesystem never filled up")


def _check(srv, acked):
    bad = {k: (str(v)[-20:], str(srv.value_of(k))[-20:]) for k, v in acked.items() if srv.value_of(k) != v}
    assert not bad, f"keys not as acknowledged (want, got): {bad}\nstderr:\n{srv.all_stderr()[-3000:]}"


def test_disk_full_refuses_writes_keeps_log_and_recovers(kv_procs, small_fs):
    mnt, cleanups = small_fs
    filler_a, filler_b = mnt / "filler-a", mnt / "filler-b"
    filler_a.write_bytes(b"\0" * (256 << 10))
    filler_b.write_bytes(b"\0" * (256 << 10))
    srv = kv_procs("disk", data_dir=mnt / "data")
    cleanups.append(srv.kill)
    srv.start()
    acked = {}

    # 1. fill the disk: the refused write gets a JSON 507/503 and is not applied
    r = _fill_until_refused(srv, "a", acked)
    print(f"disk full after {sum(v is not MISSING for v in acked.values())} writes: {r.status_code} {r.text}")
    batch = srv.batch([{"op": "set", "key": f"batch-{i}", "value": VALUE} for i in range(3)])
    assert batch.status_code in (507, 503), (batch.status_code, batch.text[:300])
    assert all(srv.value_of(f"batch-{i}") is MISSING for i in range(3)), "a refused batch was (partly) applied"
    # reads keep working
    _check(srv, acked)
    assert srv.stats()["keys"] == sum(v is not MISSING for v in acked.values())
    assert srv.get("/health").status_code == 200

    # 2. space returns: the same process takes writes again, then fills up a second time
    filler_a.unlink()
    r = srv.put_key("after-free", "ok")
    assert r.status_code == 200, f"write after space returned: {r.status_code} {r.text}"
    acked["after-free"] = "ok"
    _fill_until_refused(srv, "b", acked)
    _check(srv, acked)

    # 3. the log is replayable: clean stop on the full disk, restart, every acknowledged write is there
    assert srv.stop() == 0, f"SIGTERM on a full disk did not exit 0; stderr:\n{srv.stderr()}"
    check_log_replayable(srv.wal)
    srv.start()
    _check(srv, acked)

    # 4. free space again: writes succeed, and they replay too
    filler_b.unlink()
    r = srv.put_key("after-restart", {"ok": True})
    assert r.status_code == 200, f"write after space returned: {r.status_code} {r.text}"
    acked["after-restart"] = {"ok": True}
    assert srv.stop() == 0, srv.stderr()
    check_log_replayable(srv.wal)
    srv.start()
    _check(srv, acked)
    assert srv.stop() == 0


def test_a_full_disk_warns_once_per_interval_not_once_per_refused_write(kv_procs, small_fs):
    mnt, cleanups = small_fs
    srv = kv_procs("disk-warn", data_dir=mnt / "data")
    cleanups.append(srv.kill)
    srv.start()
    started = time.monotonic()
    _fill_until_refused(srv, "w", {})
    refusals = 300
    for i in range(refusals):
        r = srv.put_key(f"refused-{i}", VALUE)
        assert r.status_code in (507, 503), (r.status_code, r.text[:300])
    intervals = 1 + int((time.monotonic() - started) // 10)  # one warning per 10 s, and a count of the rest
    warnings = [line for line in srv.stderr().splitlines() if "cannot write" in line]
    assert 1 <= len(warnings) <= intervals, \
        f"{len(warnings)} 'cannot write' lines for {refusals + 1} refused writes:\n" + "\n".join(warnings[:5])
    assert srv.stop() == 0, srv.stderr()


def test_compaction_on_a_full_disk_loses_nothing(kv_procs, small_fs):
    """Compaction needs room for its temp file; when the disk has none it must give up cleanly: the old log
    stays, writes go on (or get 507 when the log itself cannot grow), and nothing acknowledged is lost.

    Deterministic: the live data (~400 KiB) is larger than the space left when compaction becomes due, so
    the snapshot cannot fit whatever the timing."""
    mnt, cleanups = small_fs
    filler = mnt / "filler"
    srv = kv_procs("compact-full", data_dir=mnt / "data",
                   args=["--compact-min-bytes", "48KiB", "--compact-ratio", "1.5"])
    cleanups.append(srv.kill)
    srv.start()
    acked = {}

    def put(key, value):
        r = srv.put_key(key, value)
        if r.status_code == 200:
            acked[key] = value
            return True
        assert r.status_code in (507, 503), (r.status_code, r.text[:300])
        assert r.json().get("error"), r.text
        return False

    # 1. live data of 25 x 16 KiB; overwrites take the log to 1.35x of it, below the 1.5x trigger
    for i in range(25):
        assert put(f"live-{i}", VALUE + f"live-{i}")
    n = 0
    while srv.stats()["wal_bytes"] < 1.35 * srv.stats()["size_bytes"]:
        assert put(f"live-{n % 25}", VALUE + f"again-{n}")
        n += 1
    assert srv.stats()["compactions"] == 0

    # 2. leave ~100 KiB free: compaction becomes due a few writes later but its snapshot cannot fit
    st = os.statvfs(mnt)
    filler.write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - (100 << 10)))
    refused = 0
    for _ in range(40):
        if not put(f"live-{n % 25}", VALUE + f"full-{n}"):
            refused += 1
            if refused >= 3:
                break
        n += 1
    assert refused >= 1, f"the disk never filled up; stats {srv.stats()}"
    wait_until(lambda: "compaction failed" in srv.stderr(), 10, msg="a refused compaction in the server log")
    assert srv.stats()["compactions"] == 0
    _check(srv, acked)

    # 3. room again: writes succeed and the log gets compacted
    filler.unlink()
    for _ in range(60):
        assert put(f"live-{n % 25}", VALUE + f"later-{n}")
        n += 1
        if srv.stats()["compactions"] >= 1:
            break
    wait_until(lambda: srv.stats()["compactions"] >= 1, 10, msg="a compaction once space returned")
    _check(srv, acked)
    assert srv.stop() == 0, srv.stderr()
    check_log_replayable(srv.wal)
    srv.start()
    _check(srv, acked)
    assert srv.stop() == 0
