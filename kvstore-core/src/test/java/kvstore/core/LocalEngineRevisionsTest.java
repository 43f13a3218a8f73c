package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.wal.WalEncoder;
import kvstore.core.wal.WalFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static kvstore.core.OpenEngines.waitFor;
import static kvstore.core.OpenEngines.write;
import static kvstore.core.wal.WalTesting.set;
import static kvstore.core.wal.WalTesting.str;
import static kvstore.core.wal.WalTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Revisions of a {@link LocalEngine} through what it does with its log: restarts, compaction, expiry, backups, repair. */
class LocalEngineRevisionsTest {
    private static final long START = OpenEngines.START;

    @TempDir
    Path dir;

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    private final AtomicLong now = engines.now;

    @Test
    void shouldKeepTheRevisionAndEveryKeysFiguresAcrossARestart() throws Exception {
        Path data = dir.resolve("data");
        LocalEngine db = open(data, CompactionProbe.NONE);
        write(db, set("a", "1"));
        write(db, set("a", "2"));
        write(db, List.of(new Op.Set(utf8("b"), utf8("1"), Entry.NEVER), new Op.Delete(utf8("a"))));
        write(db, set("a", "3"));
        Map<String, String> before = figures(db);
        close(db);

        LocalEngine again = open(data, CompactionProbe.NONE);

        assertEquals(4, again.revision());
        assertEquals(before, figures(again));
        assertEquals(5, write(again, set("c", "1")).revision(), "revisions go on, never repeat");
    }

    @Test
    void shouldKeepEveryKeysFiguresAndTheRevisionThroughACompactionTakenWhileWritesRun() throws Exception {
        Path data = dir.resolve("data");
        CountDownLatch snapshotWritten = new CountDownLatch(1);
        CountDownLatch writtenMeanwhile = new CountDownLatch(1);
        LocalEngine db = open(data, point -> {
            if (point == CompactionProbe.Point.TEMP_WRITTEN) {
                snapshotWritten.countDown();
                try {
                    writtenMeanwhile.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        // Enough keys that writes land while the snapshot walks them, and so meet keys it saw after them.
        int keys = 30_000;
        for (int b = 0; b < keys / 1_000; b++) {
            List<Op> batch = new ArrayList<>();
            for (int i = b * 1_000; i < (b + 1) * 1_000; i++) {
                batch.add(new Op.Set(utf8("k" + i), utf8("0"), Entry.NEVER));
            }
            write(db, batch);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        CompletableFuture<Void> writers = CompletableFuture.runAsync(() -> {
            for (int i = 0; !stop.get(); i++) {
                String k = "k" + (i * 7919 % keys);
                switch (i % 4) {
                    case 0 -> write(db, List.of(new Op.Delete(utf8(k))));
                    case 1 -> write(db, List.of(new Op.Set(utf8(k), utf8("1"), Entry.NEVER),
                            new Op.Set(utf8("k" + (i % keys)), utf8("2"), Entry.NEVER)));
                    case 2 -> write(db, List.of(new Op.Set(utf8(k), utf8("3"), now.get() + 3_600_000)));
                    default -> write(db, set(k, Integer.toString(i)));
                }
                rounds.incrementAndGet();
            }
        });
        assertTrue(db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(snapshotWritten.await(10, TimeUnit.SECONDS));
        int atSnapshot = rounds.get();
        waitFor(() -> rounds.get() > atSnapshot + 500);
        writtenMeanwhile.countDown();
        waitFor(() -> db.stats().compactions() == 1);
        waitFor(() -> rounds.get() > atSnapshot + 1_000);
        stop.set(true);
        writers.get(10, TimeUnit.SECONDS);
        long revision = db.revision();
        Map<String, String> before = figures(db);
        close(db);

        LocalEngine again = open(data, CompactionProbe.NONE);

        assertEquals(revision, again.revision());
        assertEquals(before, figures(again));
    }

    @Test
    void shouldLogAnExpiryAsAChangeWithinATickWhileNothingElseIsWritten() throws Exception {
        Path data = dir.resolve("data");
        LocalEngine db = open(data, CompactionProbe.NONE);
        write(db, List.of(new Op.Set(utf8("t"), utf8("1"), START + 5_000)));
        write(db, set("p", "1"));

        now.set(START + 5_000);
        waitFor(() -> db.revision() == 3);

        assertNull(db.get(utf8("t")));
        assertTrue(Files.readString(data.resolve(WalFormat.FILE_NAME)).contains("{\"op\":\"expire\",\"key\":\"t\""));
        close(db);
        assertEquals(3, open(data, CompactionProbe.NONE).revision());
    }

    @Test
    void shouldCarryTheRevisionInABackup() throws Exception {
        LocalEngine db = open(dir.resolve("data"), CompactionProbe.NONE);
        write(db, set("a", "1"));
        write(db, set("b", "1"));
        write(db, List.of(new Op.Delete(utf8("b"))));
        write(db, set("a", "2"));

        Backup backup = db.backup().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Path restored = dir.resolve("restored");
        Files.createDirectories(restored);
        Files.copy(backup.file(), restored.resolve(WalFormat.FILE_NAME));
        backup.close();
        LocalEngine copy = open(restored, CompactionProbe.NONE);

        assertEquals(4, copy.revision());
        assertEquals(figures(db), figures(copy));
    }

    @Test
    void shouldGoPastEveryRevisionARepairCut() throws Exception {
        Path data = dir.resolve("data");
        LocalEngine db = open(data, CompactionProbe.NONE);
        for (int i = 0; i < 6; i++) {
            write(db, set("k" + i, Integer.toString(i)));
        }
        close(db);
        Path log = data.resolve(WalFormat.FILE_NAME);
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        lines.set(3, lines.get(3).replace("\"k2\"", "\"kX\"")); // the write of revision 3, its checksum now wrong
        Files.write(log, lines);

        LocalEngine repaired = engines.open(data, CompactionProbe.NONE, true);

        assertEquals(6, repaired.revision(), "the revisions of the cut lines are not given again");
        assertEquals(7, write(repaired, set("n", "1")).revision());
        close(repaired);
        assertEquals(7, open(data, CompactionProbe.NONE).revision());
    }

    @Test
    void shouldCountTheRevisionsOfAVersion1LogAndGoOnInVersion2() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        WalEncoder encoder = new WalEncoder();
        Files.write(data.resolve(WalFormat.FILE_NAME), concat(encoder.encode(set("a", "1"), START),
                encoder.encode(set("a", "2"), START), encoder.encode(List.of(new Op.Delete(utf8("zz"))), START)));
        LocalEngine db = open(data, CompactionProbe.NONE);
        assertEquals(2, db.revision());

        write(db, set("b", "1"));
        close(db);
        LocalEngine again = open(data, CompactionProbe.NONE);

        assertEquals(3, again.revision());
        assertEquals("1 2 2", figuresOf(again, "a"));
        assertTrue(Files.readAllLines(data.resolve(WalFormat.FILE_NAME)).get(3)
                .startsWith("{\"op\":\"format\",\"version\":2,\"revision\":2,"));
    }

    /** Every key's value and figures, and the store's revision. */
    private static Map<String, String> figures(LocalEngine db) {
        Map<String, String> out = new TreeMap<>();
        for (byte[] key : db.keys(new byte[0])) {
            out.put(str(key), figuresOf(db, str(key)) + " " + str(db.get(key).value()) + " @" + db.get(key).deadlineMillis());
        }
        out.put("(revision)", Long.toString(db.revision()));
        return out;
    }

    private static String figuresOf(LocalEngine db, String key) {
        Entry e = db.get(utf8(key));
        return e.createRevision() + " " + e.modRevision() + " " + e.version();
    }

    private LocalEngine open(Path data, CompactionProbe probe) throws IOException {
        return engines.open(data, probe, false);
    }

    private void close(LocalEngine db) throws IOException {
        engines.close(db);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
