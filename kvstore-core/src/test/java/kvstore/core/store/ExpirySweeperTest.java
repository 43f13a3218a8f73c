package kvstore.core.store;

import kvstore.core.LogObserver;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpirySweeperTest {
    private static final long START = 1_700_000_000_000L;

    private final AtomicLong now = new AtomicLong(START);
    private final Store store = new Store();
    /** The keys the sweeps reported as removed. */
    private final AtomicInteger expired = new AtomicInteger();
    private final ExpirySweeper sweeper = new ExpirySweeper(store, now::get, new LogObserver() {
        @Override
        public void expired(int keys) {
            expired.addAndGet(keys);
        }
    });

    @Test
    void shouldRemoveExpiredEntriesOnSweep() {
        Op.Set shortLived = set("a", START + 1_000);
        Op.Set longLived = set("b", START + 60_000);
        Op.Set forever = set("c", Entry.NEVER);
        for (Op.Set s : new Op.Set[] {shortLived, longLived, forever}) {
            store.apply(s, now.get());
        }
        assertEquals(2, store.scheduledExpiries(), "an entry that never expires needs no timer");

        now.set(START + 999);
        assertEquals(0, sweeper.sweep());
        assertEquals(3, store.totals().keys());

        now.set(START + 1_000);
        assertEquals(1, sweeper.sweep());
        assertEquals(2, store.totals().keys());
        assertEquals(1, store.scheduledExpiries());

        now.set(START + 120_000);
        assertEquals(1, sweeper.sweep());
        assertEquals(new Store.Totals(1, 1, 1), store.totals());
        assertEquals(2, expired.get(), "the observer is told of every entry removed");
    }

    @Test
    void shouldNeverRemoveNewerValueOfTheSameKey() {
        Op.Set old = set("k", START + 1_000);
        store.apply(old, now.get());
        Op.Set newer = new Op.Set(utf8("k"), utf8("\"new\""), Entry.NEVER);
        store.apply(newer, now.get());

        now.set(START + 5_000);
        assertEquals(0, sweeper.sweep(), "the old entry's timer fires but removes nothing");
        assertEquals(0, expired.get(), "nothing was removed, so nothing is reported");

        Entry live = store.get(utf8("k"), now.get());
        assertNotNull(live);
        assertArrayEquals(utf8("\"new\""), live.value());
        assertEquals(1, store.totals().keys());
    }

    @Test
    void shouldRemoveNewerValueOnlyAtItsOwnDeadline() {
        Op.Set old = set("k", START + 1_000);
        store.apply(old, now.get());
        Op.Set newer = set("k", START + 3_000);
        store.apply(newer, now.get());

        now.set(START + 2_000);
        sweeper.sweep();
        assertEquals(1, store.totals().keys());

        now.set(START + 3_000);
        sweeper.sweep();
        assertEquals(0, store.totals().keys());
    }

    @Test
    void shouldLeaveDueEntriesOutOfTheLiveFiguresBeforeTheSweep() {
        store.apply(set("a", START + 1_000), now.get());
        store.apply(set("bb", START + 5_000), now.get());

        assertEquals(new Store.Totals(2, 3, 2), store.totals(START + 999));
        assertEquals(new Store.Totals(1, 2, 1), store.totals(START + 1_000), "due, not yet removed, not counted");
        assertEquals(2, store.totals().keys(), "reading the figures removes nothing");
    }

    @Test
    void shouldSweepInTheBackgroundOnceStarted() throws Exception {
        Op.Set s = set("a", START + 1_000);
        store.apply(s, now.get());
        AtomicReference<CountDownLatch> calls = new AtomicReference<>();
        ExpirySweeper background = new ExpirySweeper(store, () -> {
            CountDownLatch latch = calls.get();
            if (latch != null) {
                latch.countDown();
            }
            return now.get();
        }, LogObserver.NONE);
        now.set(START + 2_000);
        CountDownLatch twoSweeps = new CountDownLatch(2);
        calls.set(twoSweeps);
        try {
            background.start();
            // The sweeps run one after another on one thread: once the second has read the clock, the first is over.
            assertTrue(twoSweeps.await(10, TimeUnit.SECONDS));
            assertEquals(0, store.totals().keys());
            assertEquals(0, store.scheduledExpiries());
        } finally {
            background.close();
        }
    }

    private static Op.Set set(String key, long deadline) {
        return new Op.Set(utf8(key), utf8("1"), deadline);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
