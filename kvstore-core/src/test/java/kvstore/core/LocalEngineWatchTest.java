package kvstore.core;

import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.watch.EventFormat;
import kvstore.core.watch.RevisionCompactedException;
import kvstore.core.watch.WatchEnd;
import kvstore.core.watch.WatchHub;
import kvstore.core.watch.WatchedKeys;
import kvstore.core.watch.Watcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static kvstore.core.wal.WalTesting.set;
import static kvstore.core.wal.WalTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watch history a single server keeps: rebuilt from its log at start, whole revisions only. */
class LocalEngineWatchTest {
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(START);
    private final List<LocalEngine> open = new ArrayList<>();

    /** Each change as {@code revision key=value} ({@code key-} for a removal). */
    private static final EventFormat LINES = new EventFormat() {
        @Override
        public byte[] change(Change c, long nowMillis) {
            String what = c.type() == Change.Type.PUT ? "=" + new String(c.value(), StandardCharsets.UTF_8) : "-";
            return (c.revision() + " " + new String(c.key(), StandardCharsets.UTF_8) + what).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] progress(long revision) {
            return new byte[0];
        }

        @Override
        public byte[] end(WatchEnd why, long delivered) {
            return ("end " + why).getBytes(StandardCharsets.UTF_8);
        }
    };

    @AfterEach
    void closeAll() throws IOException {
        for (LocalEngine db : open) {
            db.close();
        }
    }

    private static WatchHub hub() {
        return new WatchHub(WatchHub.Settings.DEFAULTS, LINES, () -> START, System::nanoTime);
    }

    private LocalEngine open(WatchHub hub) throws IOException {
        LocalEngine db = LocalEngine.open(new LocalEngine.Config(dir, FsyncPolicy.NEVER, 64L << 20, 2.0, false, 1L << 30,
                FatalHandler.IGNORE, CompactionProbe.NONE, now::get, System::nanoTime), hub);
        open.add(db);
        return db;
    }

    private void close(LocalEngine db) throws IOException {
        open.remove(db);
        db.close();
    }

    private static void write(LocalEngine db, List<Op> ops) throws Exception {
        db.submit(ops, db.now()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Every change held from {@code from} on, as lines. */
    private static List<String> history(WatchHub hub, long from) throws RevisionCompactedException {
        Watcher watcher = hub.watch(WatchedKeys.prefix(new byte[0]), from);
        List<String> lines = new ArrayList<>();
        watcher.send(new Watcher.Output() {
            @Override
            public long unsentBytes() {
                return 0;
            }

            @Override
            public void write(byte[] event) {
                lines.add(new String(event, StandardCharsets.UTF_8));
            }
        }, Integer.MAX_VALUE);
        return lines;
    }

    @Test
    void shouldRebuildTheHistoryFromTheLogAtStart() throws Exception {
        LocalEngine db = open(hub());
        write(db, set("a", "1"));
        write(db, List.of(new Op.Set(utf8("b"), utf8("2"), Entry.NEVER), new Op.Delete(utf8("a"))));
        close(db);

        WatchHub hub = hub();
        LocalEngine reopened = open(hub);

        assertEquals(2, hub.revision());
        assertEquals(List.of("1 a=1", "2 b=2", "2 a-"), history(hub, 1));
        write(reopened, set("c", "3"));
        assertEquals(List.of("3 c=3"), history(hub, 3));
    }

    @Test
    void shouldStartTheHistoryAfterACompactionAndHoldOnlyWholeRevisions() throws Exception {
        LocalEngine db = open(hub());
        for (int i = 0; i < 50; i++) { // keys between "a" and "z", so that a compaction's walk takes a while
            List<Op> ops = new ArrayList<>();
            for (int j = 0; j < 1000; j++) {
                ops.add(new Op.Set(utf8(String.format("m%06d", i * 1000 + j)), utf8("0"), Entry.NEVER));
            }
            write(db, ops);
        }
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            // Pairs across the key space: a walk that passed "a" before a pair and reaches "z" after it holds half.
            for (int i = 0; !stop.get(); i++) {
                try {
                    write(db, List.of(new Op.Set(utf8("a"), utf8(Integer.toString(i)), Entry.NEVER),
                            new Op.Set(utf8("z"), utf8(Integer.toString(i)), Entry.NEVER)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        for (int n = 1; n <= 3; n++) {
            assertTrue(db.compactNow().toCompletableFuture().get(10, TimeUnit.SECONDS));
            long compactions = n;
            waitFor(() -> db.stats().compactions() == compactions);
        }
        stop.set(true);
        writer.get(10, TimeUnit.SECONDS);
        long revision = db.revision();
        close(db);

        WatchHub hub = hub();
        open(hub);

        assertEquals(revision, hub.revision());
        assertTrue(hub.compactRevision() > 50, "the preload was compacted away: " + hub.compactRevision());
        assertThrows(RevisionCompactedException.class, () -> history(hub, 1));
        Map<String, List<String>> units = new LinkedHashMap<>();
        for (String line : history(hub, hub.compactRevision())) {
            units.computeIfAbsent(line.split(" ")[0], r -> new ArrayList<>()).add(line.split(" ")[1]);
        }
        long expected = hub.compactRevision();
        for (Map.Entry<String, List<String>> unit : units.entrySet()) {
            assertEquals(expected++, Long.parseLong(unit.getKey()), "revisions held one after another");
            List<String> keys = unit.getValue().stream().map(c -> c.substring(0, 1)).toList();
            assertEquals(List.of("a", "z"), keys, "revision " + unit.getKey() + " held whole: " + unit.getValue());
        }
        assertEquals(revision + 1, expected, "held up to the last revision");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met in 20 s");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
