"""Concurrent clients: no lost acknowledged writes, atomic created/delete, batch isolation."""
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import TIMEOUT, assert_fields, enc, jloads, uid

THREADS = 8
WRITES = 40


def run_threads(targets, timeout=120):
    """Run the callables in threads; re-raise the first exception any of them raised."""
    excs = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - reported to the test
                excs.append(e)
        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "threads did not finish"
    if excs:
        raise excs[0]


def test_parallel_writers_all_acknowledged_writes_readable(shared_server):
    p = uid()
    url = shared_server.url

    def writer(t):
        acked = {}
        with requests.Session() as s:
            for i in range(WRITES):
                k = f"{p}{t:02d}-{i:03d}"
                v = {"t": t, "i": i, "s": "x" * (i % 13)}
                r = s.put(f"{url}/kv/{enc(k)}", json={"value": v}, timeout=TIMEOUT)
                assert r.status_code == 200, r.text
                assert r.json()["created"] is True
                acked[k] = v
        return acked

    with ThreadPoolExecutor(THREADS) as ex:
        results = list(ex.map(writer, range(THREADS)))
    expected = {k: v for d in results for k, v in d.items()}
    assert len(expected) == THREADS * WRITES
    assert shared_server.list_keys(p) == sorted(expected, key=lambda k: k.encode())
    with requests.Session() as s:
        for k, v in expected.items():
            r = s.get(f"{url}/kv/{enc(k)}", timeout=TIMEOUT)
            assert r.status_code == 200, k
            assert r.json()["value"] == v


def test_parallel_mixed_operations(shared_server):
    p = uid()
    url = shared_server.url

    def worker(t):
        with requests.Session() as s:
            for i in range(20):
                k = f"{p}{t}-{i}"
                assert s.put(f"{url}/kv/{enc(k)}", json={"value": i}, timeout=TIMEOUT).status_code == 200
                assert s.get(f"{url}/kv/{enc(k)}", timeout=TIMEOUT).json()["value"] == i
                if i % 2:
                    assert s.delete(f"{url}/kv/{enc(k)}", timeout=TIMEOUT).status_code == 200
                r = s.post(f"{url}/kv/batch", json={"operations": [
                    {"op": "set", "key": f"{k}-b", "value": [t, i]}, {"op": "get", "key": f"{k}-b"}]},
                           timeout=TIMEOUT)
                assert r.status_code == 200 and r.json()["results"][1]["value"] == [t, i]

    with ThreadPoolExecutor(THREADS) as ex:
        list(ex.map(worker, range(THREADS)))
    keys = set(shared_server.list_keys(p))
    expected = {f"{p}{t}-{i}" for t in range(THREADS) for i in range(20) if i % 2 == 0}
    expected |= {f"{p}{t}-{i}-b" for t in range(THREADS) for i in range(20)}
    assert keys == expected


def test_concurrent_puts_same_key_end_with_a_written_value(shared_server):
    k = uid() + "same"
    url = shared_server.url
    written = {(t, i) for t in range(THREADS) for i in range(25)}

    def writer(t):
        with requests.Session() as s:
            for i in range(25):
                r = s.put(f"{url}/kv/{enc(k)}", json={"value": {"t": t, "i": i}}, timeout=TIMEOUT)
                assert r.status_code == 200

    with ThreadPoolExecutor(THREADS) as ex:
        list(ex.map(writer, range(THREADS)))
    v = shared_server.value_of(k)
    assert (v["t"], v["i"]) in written
    # last write of some thread (each thread's own writes are ordered)
    assert v["i"] == 24


def test_concurrent_create_exactly_one_created_true(shared_server):
    for round_ in range(5):
        k = uid() + f"race{round_}"
        barrier = threading.Barrier(THREADS)
        url = shared_server.url

        def put(t):
            with requests.Session() as s:
                s.get(f"{url}/health", timeout=TIMEOUT)  # connect first
                barrier.wait(timeout=TIMEOUT)
                r = s.put(f"{url}/kv/{enc(k)}", json={"value": t}, timeout=TIMEOUT)
                assert r.status_code == 200
                return r.json()["created"]

        with ThreadPoolExecutor(THREADS) as ex:
            created = list(ex.map(put, range(THREADS)))
        assert created.count(True) == 1, created


def test_concurrent_delete_exactly_one_succeeds(shared_server):
    for round_ in range(5):
        k = uid() + f"del{round_}"
        assert shared_server.put_key(k, 1).status_code == 200
        barrier = threading.Barrier(THREADS)
        url = shared_server.url

        def delete(_):
            with requests.Session() as s:
                s.get(f"{url}/health", timeout=TIMEOUT)
                barrier.wait(timeout=TIMEOUT)
                return s.delete(f"{url}/kv/{enc(k)}", timeout=TIMEOUT).status_code

        with ThreadPoolExecutor(THREADS) as ex:
            codes = list(ex.map(delete, range(THREADS)))
        assert sorted(codes) == [200] + [404] * (THREADS - 1), codes


def batch_writer(url, batches, done):
    """A thread body that posts every batch (a list of operations) in turn, each must answer 200; then sets done."""
    def run():
        try:
            with requests.Session() as s:
                for ops in batches:
                    r = s.post(f"{url}/kv/batch", json={"operations": ops}, timeout=TIMEOUT)
                    assert r.status_code == 200
        finally:
            done.set()
    return run


def test_batch_isolation_set_pairs(shared_server):
    """One writer sets a and b to the same value in one batch; readers batch-get both: never half."""
    p = uid()
    a, b = p + "a", p + "b"
    url = shared_server.url
    r = shared_server.batch([{"op": "set", "key": a, "value": -1}, {"op": "set", "key": b, "value": -1}])
    assert r.status_code == 200
    done = threading.Event()
    errors = []
    reads = [0]

    writer = batch_writer(url, ([{"op": "set", "key": a, "value": i}, {"op": "set", "key": b, "value": i}]
                                for i in range(300)), done)

    def reader():
        with requests.Session() as s:
            while not done.is_set():
                r = s.post(f"{url}/kv/batch", json={"operations": [
                    {"op": "get", "key": a}, {"op": "get", "key": b}]}, timeout=TIMEOUT)
                res = r.json()["results"]
                reads[0] += 1
                if res[0].get("value") != res[1].get("value"):
                    errors.append(res)

    run_threads([writer, reader, reader, reader])
    assert reads[0] > 0
    assert not errors, f"{len(errors)} torn reads, e.g. {errors[:3]}"
    assert shared_server.value_of(a) == shared_server.value_of(b) == 299


def test_batch_isolation_set_delete_listing(shared_server):
    """Writer alternates batch{set a, set b} and batch{delete a, delete b}; listings see both or none."""
    p = uid()
    a, b = p + "a", p + "b"
    url = shared_server.url
    done = threading.Event()
    errors = []
    seen = set()

    def batches():
        for i in range(150):
            yield [{"op": "set", "key": a, "value": i}, {"op": "set", "key": b, "value": i}]
            yield [{"op": "delete", "key": a}, {"op": "delete", "key": b}]

    writer = batch_writer(url, batches(), done)

    def lister():
        with requests.Session() as s:
            while not done.is_set():
                keys = s.get(f"{url}/kv?prefix={enc(p)}", timeout=TIMEOUT).json()["keys"]
                seen.add(tuple(keys))
                if keys not in ([], [a, b]):
                    errors.append(keys)

    def stats_reader():
        # the store must never show a half batch in the stats either (other keys are not touched
        # by this module concurrently, so the count changes by 0 or 2)
        with requests.Session() as s:
            base = None
            while not done.is_set():
                st = s.get(f"{url}/stats", timeout=TIMEOUT).json()
                if base is None:
                    base = st["keys"]
                if (st["keys"] - base) % 2 != 0:
                    errors.append(("stats", st["keys"], base))

    run_threads([writer, lister, lister, stats_reader])
    assert seen, "no listing was observed"
    assert not errors, f"observed half batches: {errors[:5]}"
    assert shared_server.list_keys(p) == []
