package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static kvstore.core.wal.WalTesting.set;
import static kvstore.core.wal.WalTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine tells its {@link LogObserver} of replay, group appends, fsyncs, compactions and expiry. */
class LocalEngineObserverTest {
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(START);
    private final RecordingObserver observer = new RecordingObserver();
    private final List<LocalEngine> open = new ArrayList<>();

    /** Sums what it is told; each figure may be read from the test thread. */
    private static final class RecordingObserver implements LogObserver {
        final AtomicLong replayedRecords = new AtomicLong(-1);
        final AtomicLong replayedBytes = new AtomicLong(-1);
        final AtomicLong appendedWrites = new AtomicLong();
        final AtomicLong appendedBytes = new AtomicLong();
        final AtomicLong groups = new AtomicLong();
        final AtomicLong forces = new AtomicLong();
        final AtomicLong compactedBefore = new AtomicLong();
        final AtomicLong compactedAfter = new AtomicLong();
        final AtomicLong expiredKeys = new AtomicLong();
        final CountDownLatch compacted = new CountDownLatch(1);
        final CountDownLatch expired = new CountDownLatch(1);

        @Override
        public void replayed(long records, long bytes, long nanos) {
            replayedRecords.set(records);
            replayedBytes.set(bytes);
        }

        @Override
        public void appended(int writes, long bytes, long nanos) {
            groups.incrementAndGet();
            appendedWrites.addAndGet(writes);
            appendedBytes.addAndGet(bytes);
        }

        @Override
        public void forced(long nanos) {
            forces.incrementAndGet();
        }

        @Override
        public void compacted(long bytesBefore, long bytesAfter, long nanos) {
            compactedBefore.set(bytesBefore);
            compactedAfter.set(bytesAfter);
            compacted.countDown();
        }

        @Override
        public void expired(int keys) {
            expiredKeys.addAndGet(keys);
            expired.countDown();
        }
    }

    @AfterEach
    void closeAll() throws IOException {
        for (LocalEngine db : open) {
            db.close();
        }
    }

    private LocalEngine open(long compactMinBytes) throws IOException {
        LocalEngine db = LocalEngine.open(new LocalEngine.Config(dir, FsyncPolicy.ALWAYS, compactMinBytes, 2.0, false, 1L << 30,
                FatalHandler.IGNORE, CompactionProbe.NONE, now::get, System::nanoTime).withObserver(observer));
        open.add(db);
        return db;
    }

    private static void write(LocalEngine db, List<Op> ops) throws Exception {
        db.submit(ops, db.now()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldTellTheObserverOfEveryAppendedByteAndEveryFsync() throws Exception {
        LocalEngine db = open(64L << 20);
        assertEquals(0, observer.replayedRecords.get(), "a new data directory replays nothing");
        long markBytes = db.stats().logBytes();

        write(db, set("a", "1"));
        write(db, set("b", "2"));
        write(db, List.of(new Op.Set(utf8("c"), utf8("3"), Entry.NEVER), new Op.Delete(utf8("a"))));

        assertEquals(3, observer.appendedWrites.get(), "a batch is one submitted write");
        assertEquals(db.stats().logBytes() - markBytes, observer.appendedBytes.get());
        assertEquals(db.stats().logSyncs(), observer.forces.get(), "each fsync of the log is reported once");
        assertTrue(observer.forces.get() >= 1 && observer.forces.get() <= observer.groups.get(),
                "under fsync always each group is forced once: " + observer.forces.get());
    }

    @Test
    void shouldTellTheObserverWhatReplayRebuilt() throws Exception {
        LocalEngine first = open(64L << 20);
        write(first, set("a", "1"));
        write(first, List.of(new Op.Set(utf8("b"), utf8("2"), Entry.NEVER), new Op.Set(utf8("c"), utf8("3"), Entry.NEVER)));
        first.close();

        open(64L << 20);

        assertEquals(3, observer.replayedRecords.get(), "each write inside a batch counts");
        assertEquals(Files.size(dir.resolve("wal.log")), observer.replayedBytes.get());
    }

    @Test
    void shouldTellTheObserverOfACompactionWithTheLogSizeBeforeAndAfter() throws Exception {
        LocalEngine db = open(4_000);
        for (int i = 0; observer.compacted.getCount() > 0 && i < 2_000; i++) {
            write(db, set("k" + (i % 5), Integer.toString(i)));
        }
        assertTrue(observer.compacted.await(10, TimeUnit.SECONDS));
        assertTrue(observer.compactedBefore.get() > 4_000, "compacted past the minimum: " + observer.compactedBefore);
        assertTrue(observer.compactedAfter.get() < observer.compactedBefore.get(),
                observer.compactedBefore + " -> " + observer.compactedAfter);
    }

    @Test
    void shouldTellTheObserverOfExpiredKeysRemoved() throws Exception {
        LocalEngine db = open(64L << 20);
        write(db, List.of(new Op.Set(utf8("short"), utf8("1"), START + 1_000),
                new Op.Set(utf8("shorter"), utf8("2"), START + 500), new Op.Set(utf8("kept"), utf8("3"), Entry.NEVER)));

        now.set(START + 2_000);

        assertTrue(observer.expired.await(10, TimeUnit.SECONDS), "the sweeper runs every tick");
        // Both deadlines passed before the sweeper read the clock, so one sweep removed both.
        assertEquals(2, observer.expiredKeys.get());
    }
}
