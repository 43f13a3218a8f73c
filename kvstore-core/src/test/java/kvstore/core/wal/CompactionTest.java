package kvstore.core.wal;

import kvstore.core.LogObserver;
import kvstore.core.CompactionProbe;
import kvstore.core.FsyncPolicy;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

class CompactionTest {
    private static final long START = 1_700_000_000_000L;
    private static final long MIN_BYTES = 2_000;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(START);
    private final Store store = new Store();
    private final WalEncoder encoder = new WalEncoder();
    private final List<String> points = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch snapshotWritten = new CountDownLatch(1);
    private final CountDownLatch renamed = new CountDownLatch(1);
    private final CountDownLatch fatal = new CountDownLatch(1);
    private volatile CountDownLatch holdSnapshot;
    private volatile boolean failDirectoryFsync;
    private Path file;
    private DataDirectory directory;
    private LogWorker writer;

    @AfterEach
    void close() throws Exception {
        if (holdSnapshot != null) {
            holdSnapshot.countDown();
        }
        if (writer != null) {
            writer.close();
        }
        if (directory != null) {
            directory.close();
        }
    }

    @Test
    void shouldBeDueOnlyAboveMinimumSizeAndRatioOfLiveData() {
        Compaction c = new Compaction(store, null, new CompactionPolicy(1_000, 2.0, CompactionProbe.NONE), now::get,
                System::nanoTime, LogObserver.NONE);
        assertFalse(c.isDue(1_000), "not above the minimum");
        assertTrue(c.isDue(1_001), "an empty store has no live data");

        store.applyUnit(List.of(new Op.Set(utf8("k"), new byte[928], Entry.NEVER)), START);
        // live estimate: 1 key byte + 928 value bytes + 72 per key = 1001
        assertFalse(c.isDue(2_002));
        assertTrue(c.isDue(2_003));
    }

    @Test
    void shouldRewriteLogAsOnlyTheLiveEntries() throws Exception {
        start(false);
        List<List<Op>> cycle = List.of(set("a", "1"), set("b", "22"), set("c", "333"), set("gone", "4"),
                List.of(new Op.Delete(utf8("gone"))));
        int[] round = {0};
        writeUntilCompactionStarts(() -> write(cycle.get(round[0]++ % cycle.size())));
        assertTrue(renamed.await(10, TimeUnit.SECONDS));
        write(List.of(new Op.Get(utf8("a"))));

        assertEquals(1, writer.compactions());
        Map<String, String> live = dump(store);
        List<WalDecoder.Line> records = readLog(file);
        assertTrue(Files.readString(file).startsWith("{\"op\":\"format\",\"version\":2,\"revision\":"),
                "the version mark first");
        assertEquals(live.size(), records.size(), "one line per live key: " + live);
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (WalDecoder.Line r : records) {
            assertTrue(r.op() instanceof Op.Restore, "a key as the snapshot holds it, with its figures");
            assertTrue(live.containsKey(str(r.op().key())));
            assertTrue(keys.add(str(r.op().key())));
        }
        Store replayed = replay();
        assertEquals(live, dump(replayed), "values, deadlines and revision figures");
        assertEquals(store.revision(), replayed.revision(), "the revisions of the deletes survive too");
        assertFalse(Files.exists(dir.resolve(WalFormat.COMPACT_FILE_NAME)));
        assertEquals(Files.size(file), writer.size());
        assertTrue(writer.size() < MIN_BYTES);
    }

    @Test
    void shouldInstallEachOfSeveralCompactionsUnderTheLogsName() throws Exception {
        start(false);
        int[] round = {0};
        for (int n = 1; n <= 3; n++) {
            long target = n;
            for (int i = 0; i < 5_000 && writer.compactions() < target; i++) {
                write(set("k" + (round[0]++ % 7), Integer.toString(round[0])));
            }
            awaitCompleted(n);
        }
        write(set("last", "1"));
        write(set("after", "1"));
        // Either write may start one more compaction (the log past its minimum again): let it finish too.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(dir.resolve(WalFormat.COMPACT_FILE_NAME)) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }

        assertFalse(Files.exists(dir.resolve(WalFormat.COMPACT_FILE_NAME)), "no log left under the temporary name");
        // Acknowledged only after the worker has switched to the installed log, whose size is compared below.
        write(set("settled", "1"));
        assertEquals(Files.size(file), writer.size(), "the worker appends to the file named wal.log");
        assertEquals(dump(store), dump(replay()));
    }

    @Test
    void shouldReachProbePointsInOrder() throws Exception {
        start(false);
        writeUntilCompactionStarts(() -> write(set("k", "1")));
        awaitCompleted(1);

        assertEquals(List.of("compaction-after-temp-written", "compaction-before-rename", "compaction-after-rename"),
                points);
    }

    @Test
    void shouldKeepWritesMadeDuringCompaction() throws Exception {
        start(true);
        write(set("deleted-later", "1"));
        write(set("replaced-later", "1"));
        writeUntilCompactionStarts(() -> write(set("k", Long.toString(now.incrementAndGet()))));
        assertTrue(snapshotWritten.await(10, TimeUnit.SECONDS));

        // The snapshot is on disk; these reach only the old log, from which they must be carried over.
        write(set("during", "\"new\""));
        write(List.of(new Op.Delete(utf8("deleted-later"))));
        write(List.of(new Op.Set(utf8("replaced-later"), utf8("2"), Entry.NEVER),
                new Op.Set(utf8("batch"), utf8("[1]"), Entry.NEVER)));
        assertEquals(0, writer.compactions());
        holdSnapshot.countDown();
        assertTrue(renamed.await(10, TimeUnit.SECONDS));
        write(set("after", "1"));

        assertEquals(1, writer.compactions());
        Store replayed = replay();
        assertEquals(dump(store), dump(replayed));
        assertNotNull(replayed.get(utf8("during"), now.get()));
        assertNull(replayed.get(utf8("deleted-later"), now.get()));
        assertEquals("2", str(replayed.get(utf8("replaced-later"), now.get()).value()));
        assertNotNull(replayed.get(utf8("batch"), now.get()));
        assertNotNull(replayed.get(utf8("after"), now.get()));
    }

    @Test
    void shouldNotWriteExpiredEntriesAndKeepDeadlinesOfLiveOnes() throws Exception {
        start(false);
        write(List.of(new Op.Set(utf8("short"), utf8("1"), START + 1_000)));
        write(List.of(new Op.Set(utf8("long"), utf8("1"), START + 3_600_000)));
        now.set(START + 5_000);
        writeUntilCompactionStarts(() -> write(set("k", "1")));
        assertTrue(renamed.await(10, TimeUnit.SECONDS));
        write(List.of(new Op.Get(utf8("k"))));

        String log = Files.readString(file);
        assertFalse(log.contains("\"short\""), log);
        assertTrue(log.contains("\"long\""), log);
        Store replayed = replay();
        assertNull(replayed.get(utf8("short"), START));
        assertEquals(START + 3_600_000, replayed.get(utf8("long"), now.get()).deadlineMillis());
    }

    @Test
    void shouldTakeWritesWhileTheReplacedLogIsStillBeingClosed() throws Exception {
        CountDownLatch closeGate = new CountDownLatch(1);
        List<FaultyFileChannel> opened = Collections.synchronizedList(new ArrayList<>());
        try {
            start(false, path -> {
                FaultyFileChannel channel = FaultyFileChannel.open(path);
                channel.closeGate = closeGate;
                opened.add(channel);
                return channel;
            });
            writeUntilCompactionStarts(() -> write(set("k", Long.toString(now.incrementAndGet()))));
            assertTrue(renamed.await(10, TimeUnit.SECONDS));
            FaultyFileChannel replaced = opened.get(0);
            assertTrue(replaced.closing.await(10, TimeUnit.SECONDS), "the replaced log is being closed");

            write(set("after", "1"));

            assertEquals(1, replaced.closed.getCount(), "its close is still held, and the write went on");
            assertNotNull(replay().get(utf8("after"), now.get()));
        } finally {
            closeGate.countDown();
        }
        assertTrue(opened.get(0).closed.await(10, TimeUnit.SECONDS));
    }

    @Test
    void shouldFreeTheReplacedLogAFewMegabytesAtATime() throws Exception {
        List<FaultyFileChannel> opened = Collections.synchronizedList(new ArrayList<>());
        start(false, path -> {
            FaultyFileChannel channel = FaultyFileChannel.open(path);
            opened.add(channel);
            return channel;
        });
        String big = "\"" + "x".repeat(9 << 20) + "\"";
        for (int i = 0; i < 3; i++) {
            write(set("big", big));
        }
        awaitCompleted(1);
        FaultyFileChannel replaced = opened.get(0);
        assertTrue(replaced.closed.await(10, TimeUnit.SECONDS), "the replaced log is closed in the end");

        List<Long> cuts = List.copyOf(replaced.truncations);
        // Compaction may begin after the second write, so the replaced log holds 18 or 27 MiB.
        assertTrue(cuts.size() >= 4, "a log of 18 MiB or more is cut in several steps: " + cuts);
        for (int i = 1; i < cuts.size(); i++) {
            assertEquals(4L << 20, cuts.get(i - 1) - cuts.get(i), "steps of 4 MiB: " + cuts);
        }
        assertTrue(cuts.get(cuts.size() - 1) <= 4L << 20, "cut down to the last few megabytes: " + cuts);
    }

    @Test
    void shouldWriteToTheNewLogAndThenStopWhenItsRenameCannotBeMadeDurable() throws Exception {
        failDirectoryFsync = true;
        start(true);
        writeUntilCompactionStarts(() -> write(set("k", Long.toString(now.incrementAndGet()))));
        assertTrue(snapshotWritten.await(10, TimeUnit.SECONDS));
        write(set("during", "1"));
        holdSnapshot.countDown();

        assertTrue(fatal.await(10, TimeUnit.SECONDS), "a rename that may not survive a crash is fatal");
        ExecutionException refused = assertThrows(ExecutionException.class, () -> write(set("after", "1")));
        assertInstanceOf(WriteFailedException.class, refused.getCause());
        assertEquals(0, writer.compactions());
        Store replayed = replay();
        assertNotNull(replayed.get(utf8("during"), now.get()), "the new log under the name has every write");
        assertNull(replayed.get(utf8("after"), now.get()));
    }

    @Test
    void shouldLeaveOldLogWhenSnapshotIsAbandoned() throws Exception {
        start(true);
        writeUntilCompactionStarts(() -> write(set("k", Long.toString(now.incrementAndGet()))));
        assertTrue(snapshotWritten.await(10, TimeUnit.SECONDS));
        byte[] before = Files.readAllBytes(file);
        // Close while the snapshot is still being written: it reaches the writer too late and is dropped.
        writer.close();
        holdSnapshot.countDown();

        Path temp = dir.resolve(WalFormat.COMPACT_FILE_NAME);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(temp) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertFalse(Files.exists(temp), "the dropped snapshot's temp file is deleted");
        assertEquals(0, writer.compactions());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file)), "the old log stays");
        assertEquals(dump(store), dump(replay()));
    }

    /** Polls until {@code n} compactions have finished, directory fsync included. */
    private void awaitCompleted(long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writer.compactions() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(n, writer.compactions());
    }

    private interface Writes {
        void run() throws Exception;
    }

    /** Repeats {@code round} until the log has outgrown the minimum, which starts a compaction. */
    private void writeUntilCompactionStarts(Writes round) throws Exception {
        for (int i = 0; i < 1_000 && writer.size() <= MIN_BYTES; i++) {
            round.run();
        }
        assertTrue(writer.size() > MIN_BYTES);
    }

    private void start(boolean holdAfterSnapshot) throws IOException {
        start(holdAfterSnapshot, LogFile.Opener.FILE);
    }

    private void start(boolean holdAfterSnapshot, LogFile.Opener opener) throws IOException {
        file = dir.resolve(WalFormat.FILE_NAME);
        holdSnapshot = holdAfterSnapshot ? new CountDownLatch(1) : null;
        directory = DataDirectory.lock(dir);
        CompactionProbe probe = point -> {
            points.add(point.label);
            if (point == CompactionProbe.Point.TEMP_WRITTEN) {
                snapshotWritten.countDown();
                CountDownLatch hold = holdSnapshot;
                if (hold != null) {
                    try {
                        hold.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            } else if (point == CompactionProbe.Point.AFTER_RENAME) {
                renamed.countDown();
                if (failDirectoryFsync) {
                    throw new IOException("Input/output error");
                }
            }
        };
        GroupCommit group = new GroupCommit(LogFile.open(file, opener), FsyncPolicy.ALWAYS, store, now::get,
                (message, cause) -> fatal.countDown(), System::nanoTime, LogObserver.NONE);
        writer = new LogWorker(group, new Compaction(store, directory, new CompactionPolicy(MIN_BYTES, 2.0, probe),
                now::get, System::nanoTime, LogObserver.NONE));
        writer.start();
    }

    private List<OpResult> write(List<Op> ops) throws Exception {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        WalTesting.submit(writer, ops, now.get(), future);
        return future.get(10, TimeUnit.SECONDS).results();
    }

    private Store replay() throws IOException {
        Path copy = dir.resolve("replay-copy.log");
        Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Store replayed = new Store();
        WalReplay.Result result = WalReplay.replay(copy, false, unit -> unit.applyTo(replayed));
        assertEquals(0, result.cutBytes());
        return replayed;
    }

    private Map<String, String> dump(Store s) {
        Map<String, String> out = new TreeMap<>();
        s.forEachLive(now.get(), (k, e) -> out.put(str(k), str(e.value()) + "@" + e.deadlineMillis() + " c"
                + e.createRevision() + " m" + e.modRevision() + " v" + e.version()));
        return out;
    }
}
