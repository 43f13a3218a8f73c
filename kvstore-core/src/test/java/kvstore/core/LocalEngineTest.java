package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Totals;
import kvstore.core.CorruptLogException;
import kvstore.core.FsyncPolicy;
import kvstore.core.wal.WalEncoder;
import kvstore.core.wal.WalFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static kvstore.core.wal.WalTesting.set;
import static kvstore.core.wal.WalTesting.strings;
import static kvstore.core.wal.WalTesting.utf8;
import static kvstore.core.wal.WalTesting.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalEngineTest {
    private static final long START = OpenEngines.START;
    private static final long MAX_MEMORY = 1L << 30;

    @TempDir
    Path dir;

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    private final AtomicLong now = engines.now;

    @Test
    void shouldRoundTripWritesThroughCloseAndReopen() throws Exception {
        LocalEngine db = open(config(dir));
        assertFalse(write(db, set("a", "{\"x\":1}")).get(0).existed());
        assertTrue(write(db, set("a", "[1,2]")).get(0).existed());
        write(db, List.of(new Op.Set(utf8("b"), utf8("\"\u00e9\""), Entry.NEVER),
                new Op.Set(utf8("c"), utf8("3"), Entry.NEVER), new Op.Delete(utf8("c"))));
        write(db, set("d", "4"));
        assertTrue(write(db, List.of(new Op.Delete(utf8("d")))).get(0).existed());
        long logBytes = Files.size(dir.resolve(WalFormat.FILE_NAME));
        Engine.Stats stats = db.stats();
        assertEquals(new Engine.Stats(2, 5 + 4, 2 + 5 + 4 + 2 * Totals.ENTRY_OVERHEAD_BYTES, MAX_MEMORY, logBytes,
                5, 0), stats, "one fsync per sequential write");
        close(db);

        LocalEngine reopened = open(config(dir));

        LocalEngine.Recovery replay = reopened.recovery();
        assertEquals(7, replay.records());
        assertEquals(logBytes, replay.bytes());
        assertEquals("[1,2]", value(reopened, "a"));
        assertEquals("\"\u00e9\"", value(reopened, "b"));
        assertNull(reopened.get(utf8("c")));
        assertNull(reopened.get(utf8("d")));
        assertEquals(2, reopened.stats().keys());
        assertEquals(List.of("a", "b"), strings(reopened.keys(new byte[0])));
    }

    @Test
    void shouldRefuseWritesThatWouldPassTheMemoryCeilingAndTakeThoseThatShrinkTheData() throws Exception {
        long oneEntry = 1 + 100 + Totals.ENTRY_OVERHEAD_BYTES;
        LocalEngine db = open(config(dir).withMaxMemory(3 * oneEntry));
        String value = "\"" + "x".repeat(98) + "\"";
        for (String k : List.of("a", "b", "c")) {
            write(db, set(k, value));
        }
        long logBytes = db.stats().logBytes();

        ExecutionException full = assertThrows(ExecutionException.class, () -> write(db, set("d", value)));
        WriteFailedException cause = assertInstanceOf(WriteFailedException.class, full.getCause());
        assertEquals(WriteFailedException.Reason.MEMORY_LIMIT, cause.reason());
        assertEquals("memory limit reached", cause.getMessage());
        assertEquals(logBytes, db.stats().logBytes(), "nothing of a refused write is logged");
        assertNull(db.get(utf8("d")));

        assertFalse(write(db, set("a", "1")).isEmpty(), "a smaller value for a key shrinks the data");
        assertTrue(write(db, List.of(new Op.Delete(utf8("b")))).get(0).existed(), "deletes go on");
        write(db, set("d", value));
        assertEquals(3 * oneEntry - 99, db.stats().memoryBytes());
        assertEquals(3 * oneEntry, db.stats().maxMemoryBytes());
    }

    @Test
    void shouldCreateMissingDataDirectory() throws Exception {
        Path nested = dir.resolve("x/y/data");

        LocalEngine db = open(config(nested));
        write(db, set("k", "1"));

        assertTrue(Files.isRegularFile(nested.resolve(WalFormat.FILE_NAME)));
        assertTrue(Files.isRegularFile(nested.resolve("LOCK")));
    }

    @Test
    void shouldExpireKeysOnTheInjectedClock() throws Exception {
        LocalEngine db = open(config(dir));
        write(db, List.of(new Op.Set(utf8("t"), utf8("\"12345\""), db.now() + 1_500)));
        write(db, set("p", "1"));
        Engine.Stats before = db.stats();
        assertEquals(2, before.keys());
        assertEquals(8, before.valueBytes());

        now.addAndGet(1_499);
        assertNotNull(db.get(utf8("t")));
        now.addAndGet(1);

        assertNull(db.get(utf8("t")));
        assertEquals(List.of("p"), strings(db.keys(new byte[0])));
        assertEquals(1, db.stats().keys(), "an expired key is not counted");
        assertEquals(1, db.stats().valueBytes());
        assertFalse(write(db, set("t", "2")).get(0).existed(), "setting an expired key creates it");
    }

    @Test
    void shouldKeepCountingTtlWhileClosed() throws Exception {
        LocalEngine db = open(config(dir));
        write(db, List.of(new Op.Set(utf8("t"), utf8("1"), db.now() + 10_000)));
        close(db);

        now.addAndGet(9_999);
        LocalEngine early = open(config(dir));
        assertNotNull(early.get(utf8("t")));
        assertEquals(1, early.stats().keys());
        now.addAndGet(1);
        assertEquals(0, early.stats().keys(), "replay scheduled the expiry of what it read back");
        close(early);
        LocalEngine late = open(config(dir));

        assertNull(late.get(utf8("t")));
        assertEquals(0, late.stats().keys());
    }

    @Test
    void shouldRefuseSecondOpenOfTheSameDirectoryFromAnotherProcess() throws Exception {
        LocalEngine db = open(config(dir));
        write(db, set("k", "1"));

        Process other = runOtherProcess(dir);

        String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, other.exitValue(), output);
        assertTrue(output.contains("in use"), output);
    }

    @Test
    void shouldLetAnotherProcessOpenOnceClosed() throws Exception {
        close(open(config(dir)));

        Process other = runOtherProcess(dir);

        String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, other.exitValue(), output);
    }

    @Test
    void shouldRefuseSecondOpenInTheSameProcessWithIOException() throws Exception {
        LocalEngine db = open(config(dir));

        IOException e = assertThrows(IOException.class, () -> open(config(dir)));

        assertTrue(e.getMessage().contains("in use"), e.getMessage());
        write(db, set("still", "works"));
        Process other = runOtherProcess(dir);
        String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        assertEquals(3, other.exitValue(), "the refused open must not release the first one's lock: " + output);
    }

    @Test
    void shouldIgnoreASecondCloseRatherThanFreeTheDirectoryForAnotherOpen() throws Exception {
        LocalEngine first = open(config(dir));
        close(first);
        LocalEngine second = open(config(dir));

        first.close();

        IOException e = assertThrows(IOException.class, () -> open(config(dir)));
        assertTrue(e.getMessage().contains("in use"), e.getMessage());
        write(second, set("still", "works"));
    }

    @Test
    void shouldRefuseToOpenCorruptLogAndReleaseTheLock() throws Exception {
        Files.createDirectories(dir);
        WalEncoder encoder = new WalEncoder();
        byte[] good = encoder.encode(set("a", "1"), START);
        byte[] log = concat(good, "damaged line\n".getBytes(StandardCharsets.UTF_8), encoder.encode(set("b", "2"), START));
        Files.write(dir.resolve(WalFormat.FILE_NAME), log);

        CorruptLogException e = assertThrows(CorruptLogException.class, () -> open(config(dir)));
        assertEquals(2, e.line());
        assertArrayEquals(log, Files.readAllBytes(dir.resolve(WalFormat.FILE_NAME)));

        LocalEngine repaired = open(repairConfig(dir));
        assertNotNull(repaired.recovery().brokenCopy());
        assertEquals(2, repaired.recovery().droppedRecords());
        assertEquals("1", value(repaired, "a"));
        assertNull(repaired.get(utf8("b")));
        write(repaired, set("c", "3"));
        close(repaired);
        LocalEngine again = open(config(dir));
        assertEquals(List.of("a", "c"), strings(again.keys(new byte[0])));
    }

    @Test
    void shouldDeleteStaleCompactionFileOnOpen() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(WalFormat.COMPACT_FILE_NAME), "half a snapshot");

        open(config(dir));

        assertFalse(Files.exists(dir.resolve(WalFormat.COMPACT_FILE_NAME)));
    }

    @Test
    void shouldCompactAndReopenToTheSameState() throws Exception {
        CountDownLatch begun = new CountDownLatch(1);
        CountDownLatch renamed = new CountDownLatch(1);
        LocalEngine.Config config = new LocalEngine.Config(dir, FsyncPolicy.ALWAYS, 4_000, 2.0, false, MAX_MEMORY,
                FatalHandler.IGNORE, point -> {
                    if (point == CompactionProbe.Point.TEMP_WRITTEN) {
                        begun.countDown();
                    } else if (point == CompactionProbe.Point.AFTER_RENAME) {
                        renamed.countDown();
                    }
                }, now::get, System::nanoTime);
        LocalEngine db = open(config);
        // Writing stops once the compaction is under way, but the writes that came after it took its snapshot are
        // carried over into the new log, and on a slow machine they can be many: the new log is compared with the
        // largest the old one grew to, not with the threshold.
        long largest = 0;
        for (int i = 0; begun.getCount() > 0 && i < 2_000; i++) {
            write(db, set("k" + (i % 5), Integer.toString(i)));
            if (i % 7 == 0) {
                write(db, List.of(new Op.Set(utf8("ttl" + i), utf8("1"), db.now() + 100),
                        new Op.Delete(utf8("k" + (i % 3)))));
            }
            largest = Math.max(largest, db.stats().logBytes());
            now.addAndGet(10);
        }
        assertTrue(renamed.await(10, TimeUnit.SECONDS));
        write(db, set("after", "1"));
        Engine.Stats stats = db.stats();
        assertEquals(1, stats.compactions());
        assertTrue(largest >= 4_000 && stats.logBytes() < largest,
                "log rewritten: " + stats.logBytes() + " bytes, " + largest + " before");
        List<String> keys = strings(db.keys(new byte[0]));
        List<String> values = new ArrayList<>();
        for (String k : keys) {
            values.add(value(db, k));
        }
        close(db);

        LocalEngine reopened = open(config(dir));

        assertEquals(keys, strings(reopened.keys(new byte[0])));
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(values.get(i), value(reopened, keys.get(i)));
        }
        assertEquals(0, reopened.recovery().cutBytes());
    }

    @Test
    void shouldFailWritesSubmittedAfterClose() throws Exception {
        LocalEngine db = open(config(dir));
        close(db);

        CompletableFuture<List<OpResult>> late = submit(db, set("k", "1"));

        ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
        assertEquals(WriteFailedException.Reason.SHUTTING_DOWN,
                assertInstanceOf(WriteFailedException.class, e.getCause()).reason());
    }

    @Test
    void shouldKeepAcknowledgedWritesAfterLogWithBlankUnterminatedTail() throws Exception {
        Files.createDirectories(dir);
        byte[] good = new WalEncoder().encode(set("a", "1"), START);
        Files.write(dir.resolve(WalFormat.FILE_NAME), concat(good, "   ".getBytes(StandardCharsets.US_ASCII)));
        LocalEngine db = open(config(dir));
        write(db, set("acknowledged", "1"));
        close(db);

        LocalEngine reopened = open(config(dir));

        assertNotNull(reopened.get(utf8("acknowledged")), "an acknowledged write was lost on restart");
    }

    /** Opens the data directory given as the first argument; exits 0 once open, 3 when refused. */
    public static final class OtherProcess {
        public static void main(String[] args) {
            try (LocalEngine db = LocalEngine.open(LocalEngine.Config.of(Path.of(args[0])))) {
                System.out.println("opened");
                System.exit(0);
            } catch (IOException e) {
                System.out.println("refused: " + e.getMessage());
                System.exit(3);
            }
        }
    }

    private static Process runOtherProcess(Path dataDir) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", classpath, OtherProcess.class.getName(), dataDir.toString())
                .redirectErrorStream(true)
                .start();
    }

    private LocalEngine.Config config(Path dataDir) {
        return new LocalEngine.Config(dataDir, FsyncPolicy.ALWAYS, 64L << 20, 2.0, false, MAX_MEMORY, FatalHandler.IGNORE,
                CompactionProbe.NONE, now::get, System::nanoTime);
    }

    private LocalEngine.Config repairConfig(Path dataDir) {
        return new LocalEngine.Config(dataDir, FsyncPolicy.ALWAYS, 64L << 20, 2.0, true, MAX_MEMORY, FatalHandler.IGNORE,
                CompactionProbe.NONE, now::get, System::nanoTime);
    }

    private LocalEngine open(LocalEngine.Config config) throws IOException {
        return engines.open(config);
    }

    private void close(LocalEngine db) throws IOException {
        engines.close(db);
    }

    private static List<OpResult> write(LocalEngine db, List<Op> ops) throws Exception {
        return submit(db, ops).get(10, TimeUnit.SECONDS);
    }

    private static CompletableFuture<List<OpResult>> submit(LocalEngine db, List<Op> ops) {
        CompletableFuture<List<OpResult>> future = new CompletableFuture<>();
        db.submit(ops, db.now()).whenComplete((r, e) -> {
            if (e != null) {
                future.completeExceptionally(e);
            } else {
                future.complete(r.results());
            }
        });
        return future;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
