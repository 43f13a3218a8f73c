package kvstore.core.wal;

import kvstore.core.FsyncPolicy;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static kvstore.core.wal.WalTesting.completion;
import static kvstore.core.wal.WalTesting.readLog;
import static kvstore.core.wal.WalTesting.set;
import static kvstore.core.wal.WalTesting.str;
import static kvstore.core.wal.WalTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogWorkerTest {
    private static final long TS = 1_700_000_000_000L;
    private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]*)\"");

    @TempDir
    Path dir;

    private final Store store = new Store(this::onApplied);
    private final AtomicInteger applied = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong();
    private final CompletableFuture<IOException> fatal = new CompletableFuture<>();
    private final WalEncoder encoder = new WalEncoder();
    private Path file;
    private FaultyFileChannel channel;
    private LogWorker writer;
    /** Set to block the writer thread after it applies the next unit. */
    private volatile CountDownLatch applierEntered;
    private volatile CountDownLatch applierRelease;

    @AfterEach
    void closeWriter() throws InterruptedException {
        if (applierRelease != null) {
            applierRelease.countDown();
        }
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void shouldCompleteEveryConcurrentWriteInOrderAndLogItExactlyOnce() throws Exception {
        start(FsyncPolicy.ALWAYS);
        int threads = 8;
        int perThread = 500;
        List<List<Integer>> completedByThread = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            completedByThread.add(new ArrayList<>());
        }
        AtomicInteger wrongResults = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch allDone = new CountDownLatch(threads * perThread);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> submitters = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                submitters.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        int seq = i;
                        List<Op> ops = List.of(new Op.Set(utf8("t" + thread), utf8(Integer.toString(i)), Entry.NEVER));
                        WalTesting.submit(writer, ops, TS, WalTesting.completion(new WalTesting.Callback() {
                            @Override
                            public void completed(Outcome outcome) {
                                List<OpResult> results = outcome.results();
                                // Completions run on the single writer thread.
                                completedByThread.get(thread).add(seq);
                                if (results.size() != 1 || results.get(0).existed() != (seq > 0)) {
                                    wrongResults.incrementAndGet();
                                }
                                allDone.countDown();
                            }

                            @Override
                            public void failed(Throwable cause) {
                                failures.incrementAndGet();
                                allDone.countDown();
                            }
                        }));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : submitters) {
                f.get(20, TimeUnit.SECONDS);
            }
            assertTrue(allDone.await(20, TimeUnit.SECONDS), "every completion arrives");
        } finally {
            pool.shutdownNow();
        }
        writer.close();

        assertEquals(0, failures.get());
        assertEquals(0, wrongResults.get());
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
            expected.add(i);
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(expected, completedByThread.get(t), "completions of thread " + t + " in submission order");
            assertEquals(Integer.toString(perThread - 1), str(store.get(utf8("t" + t), TS).value()));
        }
        assertTrue(channel.forces.get() < threads * perThread, "writes are forced in groups: " + channel.forces.get());

        List<WalDecoder.Line> records = readLog(file);
        assertEquals(threads * perThread, records.size());
        Set<String> seen = new HashSet<>();
        int[] lastSeq = new int[threads];
        java.util.Arrays.fill(lastSeq, -1);
        for (WalDecoder.Line r : records) {
            Op.Set set = (Op.Set) r.op();
            int thread = Integer.parseInt(str(set.key()).substring(1));
            int seq = Integer.parseInt(str(set.value()));
            assertTrue(seen.add(thread + ":" + seq), "logged twice: " + thread + ":" + seq);
            assertEquals(lastSeq[thread] + 1, seq, "log order of thread " + thread);
            lastSeq[thread] = seq;
        }
        assertEquals(Files.size(file), writer.size());
    }

    @Test
    void shouldWriteQueuedWritesAsOneGroupWithOneForce() throws Exception {
        start(FsyncPolicy.ALWAYS);
        blockNextApply();
        CompletableFuture<Outcome> first = submit(set("first", "0"));
        assertTrue(applierEntered.await(10, TimeUnit.SECONDS));
        int writesBefore = channel.writes.get();
        int forcesBefore = channel.forces.get();

        List<CompletableFuture<Outcome>> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            queued.add(submit(set("k" + i, Integer.toString(i))));
        }
        applierRelease.countDown();
        for (CompletableFuture<Outcome> f : queued) {
            assertFalse(f.get(10, TimeUnit.SECONDS).results().get(0).existed());
        }

        assertNotNull(first.get(10, TimeUnit.SECONDS));
        assertEquals(writesBefore + 1, channel.writes.get(), "one write call for the group");
        assertEquals(forcesBefore + 1, channel.forces.get(), "one force for the group");
        assertEquals(101, readLog(file).size());
    }

    @Test
    void shouldAcknowledgeOnlyAfterTheForceCoveringTheWrite() throws Exception {
        Map<String, Integer> forcesAtWrite = new ConcurrentHashMap<>();
        int[] violations = ackBeforeForce(FsyncPolicy.ALWAYS, forcesAtWrite);

        assertEquals(4 * 200, forcesAtWrite.size());
        assertEquals(0, violations[0], "writes acknowledged before a force covered them");
        assertEquals(0, violations[1], "writes acknowledged before they were written");
    }

    @Test
    void shouldAcknowledgeWithoutForceUnderNever() throws Exception {
        int[] violations = ackBeforeForce(FsyncPolicy.NEVER, new ConcurrentHashMap<>());

        assertEquals(4 * 200, violations[0], "never forces before acknowledging");
        assertEquals(0, violations[1]);
    }

    @Test
    void shouldForceOnceASecondHasPassedUnderEverysec() throws Exception {
        start(FsyncPolicy.EVERYSEC);
        CountDownLatch forced = new CountDownLatch(1);
        channel.onForce = forced::countDown;

        CompletableFuture<Integer> forcesAtAck = new CompletableFuture<>();
        List<Op> ops = set("k", "1");
        WalTesting.submit(writer, ops, TS, completion(results -> {
            forcesAtAck.complete(channel.forces.get());
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }, forcesAtAck::completeExceptionally));

        assertEquals(0, forcesAtAck.get(10, TimeUnit.SECONDS), "acknowledged once in the OS, before any force");
        assertTrue(forced.await(10, TimeUnit.SECONDS), "forced once the clock says a second has passed");
    }

    @Test
    void shouldGoOnWritingWhileTheEverysecForceRuns() throws Exception {
        start(FsyncPolicy.EVERYSEC);
        CountDownLatch forcing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        channel.onForce = () -> {
            forcing.countDown();
            awaitQuietly(release);
        };
        try {
            submit(set("a", "1")).get(10, TimeUnit.SECONDS);
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
            submit(set("b", "1")).get(10, TimeUnit.SECONDS); // wakes the worker, which finds the force due
            assertTrue(forcing.await(10, TimeUnit.SECONDS), "the force started");

            submit(set("c", "1")).get(10, TimeUnit.SECONDS);

            assertEquals(0, writer.syncs(), "the write was acknowledged while the force still ran");
        } finally {
            release.countDown();
        }
        assertNotNull(store.get(utf8("c"), TS));
    }

    @Test
    void shouldReportAFailedEverysecForceAsFatalAndRefuseLaterWrites() throws Exception {
        start(FsyncPolicy.EVERYSEC);
        submit(set("a", "1")).get(10, TimeUnit.SECONDS);
        channel.failForce = true;
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        submit(set("b", "1")).get(10, TimeUnit.SECONDS); // wakes the worker, which finds the force due

        assertNotNull(fatal.get(10, TimeUnit.SECONDS), "the fatal handler is told");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> submit(set("c", "1")).get(10, TimeUnit.SECONDS));
        assertEquals(WriteFailedException.Reason.LOG_FAILED,
                assertInstanceOf(WriteFailedException.class, e.getCause()).reason());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldFailWriteThatRunsOutOfSpaceAndCutTheLogBack() throws Exception {
        start(FsyncPolicy.ALWAYS);
        submit(set("a", "1")).get(10, TimeUnit.SECONDS);
        byte[] good = Files.readAllBytes(file);
        channel.spaceLimit = good.length + 10;

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> submit(set("b", "2")).get(10, TimeUnit.SECONDS));

        WriteFailedException cause = assertInstanceOf(WriteFailedException.class, e.getCause());
        assertEquals(WriteFailedException.Reason.NOT_STORED, cause.reason());
        assertTrue(cause.getMessage().contains(FaultyFileChannel.NO_SPACE), cause.getMessage());
        assertEquals(1, applied.get(), "nothing of the failed write is applied");
        assertNull(store.get(utf8("b"), TS));
        assertArrayEquals(good, Files.readAllBytes(file), "the partial record is cut off");
        assertEquals(good.length, writer.size());
        assertFalse(fatal.isDone());
    }

    @Test
    void shouldAcceptWritesAgainOnceSpaceIsFreed() throws Exception {
        start(FsyncPolicy.ALWAYS);
        byte[] a = logged(set("a", "1"), 1);
        submit(set("a", "1")).get(10, TimeUnit.SECONDS);
        channel.spaceLimit = a.length + 5;
        assertThrows(ExecutionException.class, () -> submit(set("b", "2")).get(10, TimeUnit.SECONDS));

        channel.spaceLimit = Long.MAX_VALUE;
        List<OpResult> results = submit(set("c", "3")).get(10, TimeUnit.SECONDS).results();

        assertFalse(results.get(0).existed());
        assertArrayEquals(WalReplayTest.concat(a, logged(set("c", "3"), 2)), Files.readAllBytes(file),
                "the refused write took no revision");
        Store replayed = new Store();
        WalReplay.Result replay = WalReplay.replay(file, false, unit -> unit.applyTo(replayed));
        assertEquals(2, replay.records());
        assertNull(replayed.get(utf8("b"), TS));
        assertNotNull(replayed.get(utf8("c"), TS));
    }

    @Test
    void shouldFailEveryWriteOfAGroupThatCannotBeStored() throws Exception {
        start(FsyncPolicy.ALWAYS);
        blockNextApply();
        CompletableFuture<Outcome> first = submit(set("a", "1"));
        assertTrue(applierEntered.await(10, TimeUnit.SECONDS));
        CompletableFuture<Outcome> second = submit(set("b", "2"));
        List<Op> batch = List.of(new Op.Set(utf8("c"), utf8("3"), Entry.NEVER), new Op.Delete(utf8("a")));
        CompletableFuture<Outcome> third = submit(batch);
        channel.spaceLimit = logged(set("a", "1"), 1).length + logged(set("b", "2"), 2).length + 20;

        applierRelease.countDown();
        first.get(10, TimeUnit.SECONDS);
        assertThrows(ExecutionException.class, () -> second.get(10, TimeUnit.SECONDS));
        assertThrows(ExecutionException.class, () -> third.get(10, TimeUnit.SECONDS));

        assertEquals(1, applied.get());
        assertNull(store.get(utf8("b"), TS));
        assertNotNull(store.get(utf8("a"), TS));
        assertArrayEquals(logged(set("a", "1"), 1), Files.readAllBytes(file));
    }

    @Test
    void shouldStopAcknowledgingAndCallFatalHandlerWhenForceFails() throws Exception {
        start(FsyncPolicy.ALWAYS);
        channel.failForce = true;

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> submit(set("a", "1")).get(10, TimeUnit.SECONDS));

        WriteFailedException cause = assertInstanceOf(WriteFailedException.class, e.getCause());
        assertEquals(WriteFailedException.Reason.LOG_FAILED, cause.reason());
        IOException reported = fatal.get(10, TimeUnit.SECONDS);
        assertEquals("Input/output error", reported.getMessage());
        assertEquals(0, applied.get(), "a write whose fsync failed is never applied");
        assertNull(store.get(utf8("a"), TS));

        channel.failForce = false;
        ExecutionException later = assertThrows(ExecutionException.class,
                () -> submit(set("b", "2")).get(10, TimeUnit.SECONDS));
        assertEquals(WriteFailedException.Reason.LOG_FAILED, ((WriteFailedException) later.getCause()).reason());
        assertEquals(0, applied.get(), "a log whose fsync failed takes no more writes");
    }

    @Test
    void shouldFinishQueuedWritesOnCloseAndRefuseLaterOnes() throws Exception {
        start(FsyncPolicy.NEVER);
        blockNextApply();
        List<CompletableFuture<Outcome>> accepted = new ArrayList<>();
        accepted.add(submit(set("k0", "0")));
        assertTrue(applierEntered.await(10, TimeUnit.SECONDS));
        for (int i = 1; i < 10; i++) {
            accepted.add(submit(set("k" + i, Integer.toString(i))));
        }

        writer.close(1);
        CompletableFuture<Outcome> refused = submit(set("late", "1"));
        assertTrue(refused.isCompletedExceptionally(), "a submit after close fails at once");
        applierRelease.countDown();
        writer.close();

        for (CompletableFuture<Outcome> f : accepted) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally(), "queued writes complete before close returns");
        }
        ExecutionException e = assertThrows(ExecutionException.class, refused::get);
        assertEquals(WriteFailedException.Reason.SHUTTING_DOWN,
                assertInstanceOf(WriteFailedException.class, e.getCause()).reason());
        assertEquals(10, readLog(file).size());
        assertTrue(channel.forces.get() >= 1, "close forces the log even under fsync never");
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldCompleteGetOnlySubmissionWithoutWriting() throws Exception {
        start(FsyncPolicy.ALWAYS);
        submit(set("a", "1")).get(10, TimeUnit.SECONDS);
        int writes = channel.writes.get();
        int forces = channel.forces.get();

        List<Op> gets = List.of(new Op.Get(utf8("a")), new Op.Get(utf8("b")));
        List<OpResult> results = submit(gets).get(10, TimeUnit.SECONDS).results();

        assertEquals("1", str(results.get(0).value()));
        assertFalse(results.get(1).existed());
        assertEquals(writes, channel.writes.get());
        assertEquals(forces, channel.forces.get());
    }

    @Test
    void shouldKeepWritingAfterACompletionThrows() throws Exception {
        start(FsyncPolicy.ALWAYS);
        List<Op> ops = set("a", "1");
        WalTesting.submit(writer, ops, TS, completion(results -> {
            throw new IllegalStateException("careless caller");
        }, e -> { }));

        assertFalse(submit(set("b", "2")).get(10, TimeUnit.SECONDS).results().get(0).existed());
        assertFalse(fatal.isDone());
    }

    @Test
    void shouldAppendAfterExistingContent() throws Exception {
        byte[] existing = logged(set("old", "1"), 1);
        file = dir.resolve(WalFormat.FILE_NAME);
        Files.write(file, existing);
        start(FsyncPolicy.ALWAYS);

        assertEquals(existing.length, writer.size());
        submit(set("new", "2")).get(10, TimeUnit.SECONDS);

        assertEquals(2, readLog(file).size());
        assertEquals(Files.size(file), writer.size());
    }

    @Test
    void shouldWriteGroupsLargerThanItsBuffer() throws Exception {
        start(FsyncPolicy.ALWAYS);
        // Two 9 MiB values make a group over the 16 MiB cap on the copy buffer, so it goes out record by record.
        String big = "\"" + "x".repeat(9 << 20) + "\"";
        blockNextApply();
        CompletableFuture<Outcome> first = submit(set("first", "1"));
        assertTrue(applierEntered.await(10, TimeUnit.SECONDS));
        CompletableFuture<Outcome> a = submit(set("a", big));
        CompletableFuture<Outcome> b = submit(set("b", big));
        applierRelease.countDown();

        first.get(10, TimeUnit.SECONDS);
        a.get(10, TimeUnit.SECONDS);
        b.get(10, TimeUnit.SECONDS);
        List<WalDecoder.Line> records = readLog(file);
        assertEquals(3, records.size());
        assertEquals("a", str(records.get(1).op().key()));
        assertEquals(big, str(((Op.Set) records.get(2).op()).value()));
        assertEquals(Files.size(file), writer.size());
    }

    /** Runs 4 threads x 200 writes; returns {acks not preceded by a covering force, acks of unwritten writes}. */
    private int[] ackBeforeForce(FsyncPolicy policy, Map<String, Integer> forcesAtWrite) throws Exception {
        start(policy);
        channel.onWrite = bytes -> {
            Matcher m = KEY.matcher(new String(bytes, StandardCharsets.UTF_8));
            int forces = channel.forces.get();
            while (m.find()) {
                forcesAtWrite.put(m.group(1), forces);
            }
        };
        AtomicInteger early = new AtomicInteger();
        AtomicInteger unwritten = new AtomicInteger();
        int threads = 4;
        int perThread = 200;
        CountDownLatch done = new CountDownLatch(threads * perThread);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String key = "w" + thread + "-" + i;
                        List<Op> ops = List.of(new Op.Set(utf8(key), utf8("1"), Entry.NEVER));
                        WalTesting.submit(writer, ops, TS, completion(results -> {
                            Integer atWrite = forcesAtWrite.get(key);
                            if (atWrite == null) {
                                unwritten.incrementAndGet();
                            } else if (channel.forces.get() <= atWrite) {
                                early.incrementAndGet();
                            }
                            done.countDown();
                        }, e -> done.countDown()));
                    }
                });
            }
            assertTrue(done.await(20, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        return new int[] {early.get(), unwritten.get()};
    }

    private void start(FsyncPolicy policy) throws IOException {
        file = dir.resolve(WalFormat.FILE_NAME);
        LogFile log = LogFile.open(file, f -> channel = FaultyFileChannel.open(f));
        writer = WalTesting.worker(log, policy, store, () -> TS, (message, cause) -> fatal.complete(cause), nanos::get);
        writer.start();
    }

    /** Counts each unit applied, and blocks the writer thread after applying one when asked to. */
    private void onApplied(long revision, List<Change> changes) {
        applied.incrementAndGet();
        CountDownLatch entered = applierEntered;
        if (entered != null && entered.getCount() > 0) {
            entered.countDown();
            try {
                applierRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The log lines of the single write {@code ops} as the change of {@code revision}. */
    private byte[] logged(List<Op> ops, long revision) {
        UnitLines lines = encoder.encodeUnit(ops, TS);
        return WalReplayTest.concat(lines.head(), encoder.finish(lines.head(), revision), lines.tail());
    }

    private void blockNextApply() {
        applierRelease = new CountDownLatch(1);
        applierEntered = new CountDownLatch(1);
    }

    private CompletableFuture<Outcome> submit(List<Op> ops) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        WalTesting.submit(writer, ops, TS, future);
        return future;
    }
}
