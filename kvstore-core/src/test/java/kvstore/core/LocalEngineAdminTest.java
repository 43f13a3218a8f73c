package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.wal.WalFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static kvstore.core.OpenEngines.waitFor;
import static kvstore.core.OpenEngines.write;
import static kvstore.core.wal.WalTesting.set;
import static kvstore.core.wal.WalTesting.strings;
import static kvstore.core.wal.WalTesting.utf8;
import static kvstore.core.wal.WalTesting.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compaction on demand and backups of a running {@link LocalEngine}. */
class LocalEngineAdminTest {
    private static final long START = OpenEngines.START;

    @TempDir
    Path dir;

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    private final AtomicLong now = engines.now;

    @Test
    void shouldStartACompactionOnDemandBelowTheSizeThresholds() throws Exception {
        LocalEngine db = open(dir.resolve("data"), CompactionProbe.NONE);
        for (int i = 0; i < 50; i++) {
            write(db, set("k", Integer.toString(i)));
        }
        long before = db.stats().logBytes();

        assertTrue(db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS));

        // The count goes up just before the worker switches to the new log.
        waitFor(() -> db.stats().compactions() == 1 && db.stats().logBytes() < before / 10);
        assertEquals("49", value(db, "k"));
    }

    @Test
    void shouldRefuseASecondCompactionWhileOneRuns() throws Exception {
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LocalEngine db = open(dir.resolve("data"), point -> {
            if (point == CompactionProbe.Point.TEMP_WRITTEN) {
                written.countDown();
                await(release);
            }
        });
        write(db, set("k", "1"));

        assertTrue(db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(written.await(10, TimeUnit.SECONDS));
        assertFalse(db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS), "one is already running");
        release.countDown();

        waitFor(() -> db.stats().compactions() == 1);
        assertTrue(db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS), "the first one has finished");
    }

    @Test
    void shouldRefuseACompactionOnceClosed() throws Exception {
        LocalEngine db = open(dir.resolve("data"), CompactionProbe.NONE);
        db.close();

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(WriteFailedException.Reason.SHUTTING_DOWN,
                assertInstanceOf(WriteFailedException.class, e.getCause()).reason());
    }

    @Test
    void shouldBackUpTheLiveStateThatRestoresAsALog() throws Exception {
        LocalEngine db = open(dir.resolve("data"), CompactionProbe.NONE);
        write(db, set("a", "{\"x\":1}"));
        write(db, set("b", "2"));
        write(db, List.of(new Op.Delete(utf8("b"))));
        write(db, List.of(new Op.Set(utf8("ttl"), utf8("3"), db.now() + 60_000)));
        write(db, List.of(new Op.Set(utf8("gone"), utf8("4"), db.now() + 10)));
        now.addAndGet(10);

        Backup backup = db.backup().toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<String> lines = Files.readAllLines(backup.file());
        LocalEngine restored = restore(backup);

        assertTrue(lines.get(0).startsWith("{\"op\":\"format\""), lines.get(0));
        assertEquals(3, lines.size(), "the version mark and one set per live key: " + lines);
        assertEquals(List.of("a", "ttl"), strings(restored.keys(new byte[0])));
        assertEquals("{\"x\":1}", value(restored, "a"));
        assertEquals(START + 60_000, restored.get(utf8("ttl")).deadlineMillis(), "the absolute expiry is kept");
        backup.close();
        assertFalse(Files.exists(backup.file()));
    }

    @Test
    void shouldBackUpOneInstantWhileWritesGoOn() throws Exception {
        LocalEngine db = open(dir.resolve("data"), CompactionProbe.NONE);
        List<Op> preload = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            preload.add(new Op.Set(utf8(String.format("k%05d", i)), utf8("0"), Entry.NEVER));
        }
        write(db, preload);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acknowledged = new AtomicInteger(-1);
        AtomicInteger sent = new AtomicInteger(-1);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            // Each round sets a pair of keys in one batch, and deletes one preloaded key.
            for (int i = 0; !stop.get(); i++) {
                sent.set(i);
                String token = Integer.toString(i);
                write(db, List.of(new Op.Set(utf8("pair-a"), utf8(token), Entry.NEVER),
                        new Op.Set(utf8("pair-b"), utf8(token), Entry.NEVER),
                        new Op.Delete(utf8(String.format("k%05d", i % 20_000)))));
                acknowledged.set(i);
            }
        });
        waitFor(() -> acknowledged.get() >= 10);

        int before = acknowledged.get();
        Backup backup = db.backup().toCompletableFuture().get(30, TimeUnit.SECONDS);
        int after = sent.get();
        stop.set(true);
        writer.get(10, TimeUnit.SECONDS);
        LocalEngine restored = restore(backup);

        int token = Integer.parseInt(value(restored, "pair-a"));
        assertEquals(Integer.toString(token), value(restored, "pair-b"), "a batch was split");
        assertTrue(token >= before && token <= after, token + " not in [" + before + ", " + after + "]");
        for (int i = 0; i < Math.min(20_000, token + 2); i++) {
            String key = String.format("k%05d", i);
            assertEquals(i > token, restored.get(utf8(key)) != null, key + " against the batch " + token);
        }
        backup.close();
    }

    @Test
    void shouldDeleteLeftoverBackupFilesOnOpen() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve(WalFormat.FILE_NAME + ".backup-123.snapshot"), "half a backup");

        open(data, CompactionProbe.NONE);

        try (Stream<Path> files = Files.list(data)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().contains("backup")).toList());
        }
    }

    private LocalEngine restore(Backup backup) throws IOException {
        Path data = dir.resolve("restored-" + backup.file().getFileName());
        Files.createDirectories(data);
        Files.copy(backup.file(), data.resolve(WalFormat.FILE_NAME));
        return open(data, CompactionProbe.NONE);
    }

    private LocalEngine open(Path data, CompactionProbe probe) throws IOException {
        return engines.open(data, probe, false);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
