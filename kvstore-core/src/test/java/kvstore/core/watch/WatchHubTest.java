package kvstore.core.watch;

import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hub and its watchers without sockets: a readable event format, manual clocks, outputs that record. */
class WatchHubTest {
    private static final int ANY = Integer.MAX_VALUE;

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger encoded = new AtomicInteger();
    private final EventFormat format = new EventFormat() {
        @Override
        public byte[] change(Change change, long nowMillis) {
            encoded.incrementAndGet();
            return bytes(change.type().name().toLowerCase() + " " + text(change.key()) + " " + change.revision());
        }

        @Override
        public byte[] progress(long revision) {
            return bytes("progress " + revision);
        }

        @Override
        public byte[] end(WatchEnd why, long delivered) {
            return bytes("end " + why + " " + delivered);
        }
    };

    private WatchHub hub(int history, long bufferBytes) {
        return new WatchHub(new WatchHub.Settings(history, bufferBytes, 10_000), format, () -> 0, nanos::get);
    }

    private final WatchHub hub = hub(100, 1 << 20);

    /** An output that keeps what it was given, as lines, all of it unsent: a client that reads nothing. */
    private static final class Recorded implements Watcher.Output {
        final List<String> events = new ArrayList<>();
        long unsent;

        @Override
        public long unsentBytes() {
            return unsent;
        }

        @Override
        public void write(byte[] event) {
            events.add(text(event));
            unsent += event.length;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Change put(String key, long revision) {
        return new Change(Change.Type.PUT, bytes(key), bytes("1"), revision, revision, 1, Entry.NEVER);
    }

    private static Change delete(String key, long revision) {
        return new Change(Change.Type.DELETE, bytes(key), null, revision, 0, 0, Entry.NEVER);
    }

    /** Applies puts of {@code keys}, one revision each, after the hub's current revision. */
    private static void puts(WatchHub hub, String... keys) {
        for (String key : keys) {
            long revision = hub.revision() + 1;
            hub.applied(revision, List.of(put(key, revision)));
        }
    }

    private static List<String> drain(Watcher watcher) {
        Recorded out = new Recorded();
        watcher.send(out, ANY);
        return out.events;
    }

    @Test
    void shouldSendEveryChangeFromTheRevisionAskedInRevisionOrder() throws Exception {
        puts(hub, "a", "b", "c", "d", "e");

        Watcher watcher = hub.watch(WatchedKeys.prefix(new byte[0]), 3);

        assertEquals(List.of("put c 3", "put d 4", "put e 5"), drain(watcher));
        puts(hub, "f");
        hub.applied(7, List.of(delete("a", 7)));
        assertEquals(List.of("put f 6", "delete a 7"), drain(watcher));
        assertEquals(7, watcher.delivered());
    }

    @Test
    void shouldStartAfterTheCurrentRevisionWithoutFrom() throws Exception {
        puts(hub, "a", "b");

        Watcher watcher = hub.watch(WatchedKeys.prefix(new byte[0]), -1);

        assertEquals(List.of(), drain(watcher));
        puts(hub, "c");
        assertEquals(List.of("put c 3"), drain(watcher));
    }

    @Test
    void shouldResumeAfterTheLastEventIdSeen() throws Exception {
        puts(hub, "a", "b", "c");
        Watcher first = hub.watch(WatchedKeys.prefix(new byte[0]), 1);
        List<String> seen = drain(first);
        long lastEventId = Long.parseLong(seen.get(1).split(" ")[2]); // the client read two events, then lost the connection
        puts(hub, "d");

        Watcher resumed = hub.watch(WatchedKeys.prefix(new byte[0]), lastEventId + 1);

        assertEquals(List.of("put c 3", "put d 4"), drain(resumed));
    }

    @Test
    void shouldSendOnlyTheKeysOfItsPrefixOrItsKey() throws Exception {
        puts(hub, "app/x", "other", "app/y", "app", "app/x");

        assertEquals(List.of("put app/x 1", "put app/y 3", "put app/x 5"),
                drain(hub.watch(WatchedKeys.prefix(bytes("app/")), 1)));
        assertEquals(List.of("put app 4"), drain(hub.watch(WatchedKeys.key(bytes("app")), 1)));
    }

    @Test
    void shouldSendEveryChangeOfABatchTogetherWhateverTheBudget() throws Exception {
        puts(hub, "a");
        hub.applied(2, List.of(put("x", 2), delete("y", 2), put("z", 2)));
        puts(hub, "b");
        Watcher watcher = hub.watch(WatchedKeys.prefix(new byte[0]), 2);
        Recorded out = new Recorded();

        watcher.send(out, 1);

        assertEquals(List.of("put x 2", "delete y 2", "put z 2"), out.events, "one revision, whole, and no more");
        watcher.send(out, 1);
        assertEquals("put b 3", out.events.get(3));
    }

    @Test
    void shouldKeepAtLeastTheHistoryAndRefuseAnOlderStartWithTheOldestRevisionHeld() throws Exception {
        WatchHub small = hub(3, 1 << 20);
        puts(small, "a", "b");
        small.applied(3, List.of(put("x", 3), put("y", 3)));
        puts(small, "c"); // 5 changes: revisions 1 and 2 go, leaving 3; revision 3 stays, or only 1 would be left

        assertEquals(3, small.historySize());
        assertEquals(3, small.compactRevision());
        RevisionCompactedException gone = assertThrows(RevisionCompactedException.class,
                () -> small.watch(WatchedKeys.prefix(new byte[0]), 2));
        assertEquals(3, gone.compactRevision());
        assertEquals(List.of("put x 3", "put y 3", "put c 4"), drain(small.watch(WatchedKeys.prefix(new byte[0]), 3)));
    }

    @Test
    void shouldNeverHoldPartOfARevision() throws Exception {
        WatchHub small = hub(2, 1 << 20);
        small.applied(1, List.of(put("x", 1), put("y", 1), put("z", 1)));
        puts(small, "a");
        assertEquals(1, small.compactRevision(), "dropping revision 1 would leave one change: it stays whole");
        puts(small, "b");

        assertEquals(2, small.compactRevision(), "revision 1 went whole, leaving two changes");
        assertEquals(List.of("put a 2", "put b 3"), drain(small.watch(WatchedKeys.prefix(new byte[0]), 2)));
    }

    @Test
    void shouldAcceptAnyStartOnAStoreThatHasLostNothing() throws Exception {
        assertEquals(List.of(), drain(hub.watch(WatchedKeys.prefix(new byte[0]), 0)));
        puts(hub, "a");
        assertEquals(List.of("put a 1"), drain(hub.watch(WatchedKeys.prefix(new byte[0]), 0)));
    }

    @Test
    void shouldWakeEachWatchersThreadOncePerBurstAndNeverTouchAWatcherWhileAppending() throws Exception {
        List<Runnable> queued = new ArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        hub.onChanges(queued::add, runs::incrementAndGet);
        Watcher idle = hub.watch(WatchedKeys.prefix(new byte[0]), -1);

        puts(hub, "a", "b", "c");

        assertEquals(1, queued.size(), "one wake for the burst");
        queued.remove(0).run();
        assertEquals(1, runs.get());
        puts(hub, "d");
        assertEquals(1, queued.size(), "woken again once it has run");
        assertEquals(0, encoded.get(), "appending did no work for the watcher");
        assertEquals(4, drain(idle).size());
    }

    @Test
    void shouldStopWakingOnceClosed() {
        List<Runnable> queued = new ArrayList<>();
        hub.onChanges(queued::add, () -> { }).close();

        puts(hub, "a");

        assertTrue(queued.isEmpty());
    }

    @Test
    void shouldCutOffAWatcherWhoseUnsentEventsPassTheBufferAndTellItTheLastRevisionDelivered() throws Exception {
        WatchHub tight = hub(1000, 64);
        Watcher slow = tight.watch(WatchedKeys.prefix(new byte[0]), 1);
        Watcher other = tight.watch(WatchedKeys.prefix(new byte[0]), 1);
        puts(tight, "a", "b");
        Recorded out = new Recorded();
        slow.send(out, ANY);
        assertEquals(2, slow.delivered());

        puts(tight, "c", "d", "e", "f", "g", "h", "i", "j"); // 8 events of 7 bytes due
        slow.hold(0);
        assertFalse(slow.ending(), "56 bytes due fit in 64");
        slow.hold(10);
        assertTrue(slow.ending(), "56 due and 10 unsent do not");

        out.events.clear();
        out.unsent = 0; // the client read at last
        slow.send(out, ANY);
        assertEquals(List.of("end TOO_SLOW 2"), out.events);
        assertTrue(slow.ended());
        assertEquals(10, drain(other).size(), "another watcher of the same changes is not held back");
    }

    @Test
    void shouldCountEachDueEventOnceWhileHeld() throws Exception {
        WatchHub tight = hub(1000, 64);
        Watcher slow = tight.watch(WatchedKeys.prefix(new byte[0]), 1);
        puts(tight, "a", "b", "c", "d");

        for (int i = 0; i < 10; i++) {
            slow.hold(0); // woken again and again while the client reads nothing: 28 bytes due, not 280
        }

        assertFalse(slow.ending());
        assertEquals(4, drain(slow).size());
    }

    @Test
    void shouldNotWriteMoreThanTheBufferHoldsAndCountTheRestAsDue() throws Exception {
        WatchHub tight = hub(1000, 20);
        Watcher watcher = tight.watch(WatchedKeys.prefix(new byte[0]), 1);
        puts(tight, "a", "b", "c", "d", "e", "f");
        Recorded out = new Recorded();

        watcher.send(out, ANY);

        assertEquals(3, out.events.size(), "writes stop once 21 bytes are out");
        assertTrue(watcher.ending(), "the three left due do not fit beside the unsent ones");
    }

    @Test
    void shouldEndAWatcherThatFellBehindTheHistoryAsTooSlow() throws Exception {
        WatchHub small = hub(2, 1 << 20);
        puts(small, "a");
        Watcher behind = small.watch(WatchedKeys.prefix(new byte[0]), 1);
        drain(behind);
        puts(small, "b", "c", "d", "e");

        assertEquals(List.of("end TOO_SLOW 1"), drain(behind));
    }

    @Test
    void shouldHaveNewsOnlyForItsKeysAProgressDueOrItsEndAndPassOtherKeysOnTheWay() throws Exception {
        Watcher watcher = hub.watch(WatchedKeys.prefix(bytes("mine/")), -1);
        puts(hub, "other/a", "other/b");

        assertFalse(watcher.hasNews(nanos.get()));
        assertEquals(2, watcher.delivered(), "two revisions with nothing for it went by");
        hub.applied(3, List.of(put("other/c", 3), put("mine/x", 3)));
        assertTrue(watcher.hasNews(nanos.get()));
        assertEquals(2, watcher.delivered(), "revision 3 is not past until its change of mine/x is sent");
        assertEquals(List.of("put mine/x 3"), drain(watcher));
        assertFalse(watcher.hasNews(nanos.get()));
        assertTrue(watcher.hasNews(nanos.get() + TimeUnit.SECONDS.toNanos(10)), "a progress event is due");
    }

    @Test
    void shouldSendProgressOnlyAfterTheIntervalWithoutEventsWithTheRevisionSeen() throws Exception {
        puts(hub, "a", "b");
        Watcher watcher = hub.watch(WatchedKeys.prefix(bytes("elsewhere/")), -1);
        puts(hub, "c");

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(9));
        assertEquals(List.of(), drain(watcher));
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertEquals(List.of("progress 3"), drain(watcher));
        assertEquals(List.of(), drain(watcher), "the interval starts again");
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
        assertEquals(List.of("progress 3"), drain(watcher));
    }

    @Test
    void shouldEndWatchersBehindASnapshotAndStartTheHistoryAfterIt() throws Exception {
        puts(hub, "a");
        Watcher watcher = hub.watch(WatchedKeys.prefix(new byte[0]), 1);
        drain(watcher);

        hub.loaded(10);
        puts(hub, "k");

        assertEquals(List.of("end COMPACTED 1"), drain(watcher));
        assertEquals(11, hub.compactRevision());
        assertThrows(RevisionCompactedException.class, () -> hub.watch(WatchedKeys.prefix(new byte[0]), 10));
        assertEquals(List.of("put k 11"), drain(hub.watch(WatchedKeys.prefix(new byte[0]), 11)));
    }

    @Test
    void shouldTakeAStartAtTheRevisionItHoldsAsNoChange() throws Exception {
        puts(hub, "a", "b");

        hub.loaded(2);

        assertEquals(List.of("put a 1", "put b 2"), drain(hub.watch(WatchedKeys.prefix(new byte[0]), 1)));
    }

    @Test
    void shouldForgetTheHistoryAcrossAGapInRevisions() throws Exception {
        puts(hub, "a");

        hub.applied(5, List.of(put("b", 5)));

        assertEquals(5, hub.compactRevision());
        assertEquals(List.of("put b 5"), drain(hub.watch(WatchedKeys.prefix(new byte[0]), 5)));
    }

    @Test
    void shouldEncodeEachChangeOnceForEveryWatcher() throws Exception {
        Watcher one = hub.watch(WatchedKeys.prefix(new byte[0]), 1);
        Watcher two = hub.watch(WatchedKeys.prefix(new byte[0]), 1);
        puts(hub, "a", "b");

        drain(one);
        drain(two);

        assertEquals(2, encoded.get());
    }

    @Test
    void shouldKeepOrderAcrossSegmentsWhileAnotherThreadAppends() throws Exception {
        WatchHub big = hub(5_000, Long.MAX_VALUE);
        Watcher watcher = big.watch(WatchedKeys.prefix(new byte[0]), 1);
        int units = 50_000;
        Thread writer = new Thread(() -> {
            for (int r = 1; r <= units; r++) {
                big.applied(r, r % 7 == 0 ? List.of(put("x", r), put("y", r)) : List.of(put("k", r)));
            }
        });
        writer.start();
        long expected = 1;
        Recorded out = new Recorded();
        while (expected <= units && !watcher.ended()) {
            out.events.clear();
            watcher.send(out, 4096);
            for (String event : out.events) {
                if (event.startsWith("end")) {
                    break;
                }
                long revision = Long.parseLong(event.split(" ")[2]);
                if (event.startsWith("put y")) {
                    assertEquals(expected - 1, revision, "a batch's second change right after its first");
                    continue;
                }
                assertEquals(expected, revision, "no revision skipped or repeated");
                expected++;
            }
        }
        writer.join();
        assertTrue(expected > units || watcher.ended(), "read to the end, or was cut off as too slow");
        assertTrue(big.historySize() >= 5_000 && big.historySize() <= 5_001, "history " + big.historySize());
    }
}
