package kvstore.core.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreTest {
    private static final long NOW = 1_000_000L;

    private final Store store = new Store();

    @Test
    void shouldReportCreatedOnFirstSetAndExistedOnReplace() {
        OpResult first = apply(set("a", "1", Entry.NEVER), NOW);
        OpResult second = apply(set("a", "22", Entry.NEVER), NOW);

        assertFalse(first.existed());
        assertTrue(second.existed());
        assertArrayEquals(utf8("22"), store.get(utf8("a"), NOW).value());
    }

    @Test
    void shouldReturnNullForMissingKey() {
        assertNull(store.get(utf8("missing"), NOW));
    }

    @Test
    void shouldReportDeletedOnlyWhenKeyExisted() {
        apply(set("a", "1", Entry.NEVER), NOW);

        assertTrue(apply(new Op.Delete(utf8("a")), NOW).existed());
        assertFalse(apply(new Op.Delete(utf8("a")), NOW).existed());
        assertNull(store.get(utf8("a"), NOW));
    }

    @Test
    void shouldReturnValueOfGetOpAndAbsenceForMissingKey() {
        apply(set("a", "\"x\"", Entry.NEVER), NOW);

        OpResult hit = apply(new Op.Get(utf8("a")), NOW);
        OpResult miss = apply(new Op.Get(utf8("b")), NOW);

        assertTrue(hit.existed());
        assertArrayEquals(utf8("\"x\""), hit.value());
        assertFalse(miss.existed());
        assertNull(miss.value());
    }

    @Test
    void shouldHideExpiredEntryFromGetAndListing() {
        apply(set("a", "1", NOW + 10), NOW);
        apply(set("b", "2", Entry.NEVER), NOW);

        assertNotNull(store.get(utf8("a"), NOW + 9));
        assertNull(store.get(utf8("a"), NOW + 10));
        assertEquals(List.of("a", "b"), strings(store.keysWithPrefix(new byte[0], NOW + 9)));
        assertEquals(List.of("b"), strings(store.keysWithPrefix(new byte[0], NOW + 10)));
        assertNull(apply(new Op.Get(utf8("a")), NOW + 10).value());
    }

    @Test
    void shouldTreatExpiredEntryAsAbsentForSet() {
        apply(set("a", "1", NOW + 10), NOW);

        OpResult result = apply(set("a", "2", Entry.NEVER), NOW + 10);

        assertFalse(result.existed(), "a set over an expired key creates it");
        assertArrayEquals(utf8("2"), store.get(utf8("a"), NOW + 20).value());
    }

    @Test
    void shouldTreatExpiredEntryAsAbsentForDeleteAndLeaveItToItsExpiry() {
        apply(set("a", "1", NOW + 10), NOW);
        long revision = store.revision();

        assertFalse(apply(new Op.Delete(utf8("a")), NOW + 10).existed());
        assertEquals(revision, store.revision(), "a delete that finds nothing is no change");
        assertEquals(new Totals(0, 0, 0), store.totals(NOW + 10));
        assertEquals(1, store.expireDue(NOW + 10));
        assertEquals(new Totals(0, 0, 0), store.totals());
    }

    @Test
    void shouldHideASetWithAPassedDeadlineUntilItsExpiryRemovesIt() {
        apply(set("a", "1", Entry.NEVER), NOW);

        OpResult result = apply(set("a", "2", NOW), NOW);

        assertTrue(result.existed());
        assertNull(store.get(utf8("a"), NOW));
        assertEquals(new Totals(0, 0, 0), store.totals(NOW));
        assertEquals(1, store.expireDue(NOW));
        assertEquals(new Totals(0, 0, 0), store.totals());
        assertEquals(3, store.revision(), "the set and its expiry are a change each");
    }

    @Test
    void shouldNotCountEntriesWhoseExpiryIsBeingLogged() {
        apply(set("live", "1", Entry.NEVER), NOW);
        apply(set("a", "2", NOW + 10), NOW);
        Totals live = new Totals(1, 4, 1);

        List<Entry> due = store.dueEntries(NOW + 10);
        assertEquals(1, due.size());
        assertEquals(live, store.totals(NOW + 10), "taken off the schedule, not expired yet: still not counted");

        store.reschedule(due);
        assertEquals(live, store.totals(NOW + 10));
        store.expire(store.dueEntries(NOW + 10), store.revision() + 1, NOW + 10);
        assertEquals(live, store.totals(NOW + 10));
        assertEquals(live, store.totals());
    }

    @Test
    void shouldReportCreatedForSetWithPassedDeadlineOnMissingKey() {
        OpResult result = apply(set("a", "2", NOW - 1), NOW);

        assertFalse(result.existed());
        assertNull(store.get(utf8("a"), NOW));
        assertEquals(new Totals(0, 0, 0), store.totals(NOW));
    }

    @Test
    void shouldListKeysInUnsignedUtf8ByteOrder() {
        String replacementChar = "\uFFFD";
        String grinningFace = "\uD83D\uDE00";
        apply(set(grinningFace, "1", Entry.NEVER), NOW);
        apply(set(replacementChar, "1", Entry.NEVER), NOW);
        apply(set("z", "1", Entry.NEVER), NOW);
        apply(set("\u00e9", "1", Entry.NEVER), NOW);
        apply(set("A", "1", Entry.NEVER), NOW);

        assertTrue(grinningFace.compareTo(replacementChar) < 0, "UTF-16 order puts the astral char first");
        assertEquals(List.of("A", "z", "\u00e9", replacementChar, grinningFace),
                strings(store.keysWithPrefix(new byte[0], NOW)));
    }

    @Test
    void shouldListOnlyKeysWithPrefix() {
        for (String key : List.of("a", "ab", "abc", "abd", "ac", "b", "aa\u00ff")) {
            apply(set(key, "1", Entry.NEVER), NOW);
        }

        assertEquals(List.of("ab", "abc", "abd"), strings(store.keysWithPrefix(utf8("ab"), NOW)));
        assertEquals(List.of("a", "aa\u00ff", "ab", "abc", "abd", "ac"), strings(store.keysWithPrefix(utf8("a"), NOW)));
        assertEquals(List.of("abc"), strings(store.keysWithPrefix(utf8("abc"), NOW)));
        assertEquals(List.of(), strings(store.keysWithPrefix(utf8("abe"), NOW)));
        assertEquals(List.of(), strings(store.keysWithPrefix(utf8("c"), NOW)));
        assertEquals(List.of(), strings(store.keysWithPrefix(utf8("A"), NOW)), "prefixes are case sensitive");
    }

    @Test
    void shouldListPrefixEndingInHighByte() {
        byte[] prefix = {'k', (byte) 0xFF};
        apply(new Op.Set(new byte[] {'k', (byte) 0xFF}, utf8("1"), Entry.NEVER), NOW);
        apply(new Op.Set(new byte[] {'k', (byte) 0xFF, 0x01}, utf8("1"), Entry.NEVER), NOW);
        apply(new Op.Set(new byte[] {'k', (byte) 0xFE, 0x01}, utf8("1"), Entry.NEVER), NOW);
        apply(new Op.Set(new byte[] {'l'}, utf8("1"), Entry.NEVER), NOW);

        List<byte[]> keys = store.keysWithPrefix(prefix, NOW);

        assertEquals(2, keys.size());
        assertArrayEquals(new byte[] {'k', (byte) 0xFF}, keys.get(0));
        assertArrayEquals(new byte[] {'k', (byte) 0xFF, 0x01}, keys.get(1));
    }

    @Test
    void shouldKeepTotalsAcrossSetReplaceDeleteAndExpire() {
        apply(set("ab", "123", Entry.NEVER), NOW);
        assertEquals(new Totals(1, 2, 3), store.totals());

        apply(set("c", "\"xy\"", NOW + 5), NOW);
        assertEquals(new Totals(2, 3, 7), store.totals());

        apply(set("ab", "1", Entry.NEVER), NOW);
        assertEquals(new Totals(2, 3, 5), store.totals(), "a replace changes only the value bytes");

        assertEquals(1, store.expireDue(NOW + 5));
        assertEquals(new Totals(1, 2, 1), store.totals());

        apply(new Op.Delete(utf8("ab")), NOW);
        assertEquals(new Totals(0, 0, 0), store.totals());
    }

    @Test
    void shouldKeepTotalsWhenExpiredEntryIsReplaced() {
        apply(set("k", "1234", NOW + 5), NOW);
        apply(set("k", "12", Entry.NEVER), NOW + 5);

        assertEquals(new Totals(1, 1, 2), store.totals());
    }

    @Test
    void shouldExpireOnlyTheEntryItWasScheduledFor() {
        apply(set("k", "1", NOW + 5), NOW);
        apply(set("k", "2", Entry.NEVER), NOW);

        assertEquals(0, store.expireDue(NOW + 10));
        assertArrayEquals(utf8("2"), store.get(utf8("k"), NOW + 10).value());
        assertEquals(new Totals(1, 1, 1), store.totals());
        assertEquals(0, store.scheduledExpiries(), "the overwritten entry's timer is dropped once due");
    }

    @Test
    void shouldExpireEntryEvenWithEqualButDistinctValue() {
        apply(set("k", "1", NOW + 5), NOW);
        apply(set("k", "1", NOW + 50), NOW);

        assertEquals(0, store.expireDue(NOW + 10), "an equal value is still a newer entry");
        assertEquals(1, store.expireDue(NOW + 50));
        assertNull(store.get(utf8("k"), NOW));
    }

    @Test
    void shouldApplyBatchInOrderWithGetSeeingEarlierWrites() {
        List<OpResult> results = store.applyUnit(List.of(
                set("a", "1", Entry.NEVER),
                new Op.Get(utf8("a")),
                set("a", "2", Entry.NEVER),
                new Op.Delete(utf8("a")),
                new Op.Delete(utf8("a")),
                new Op.Get(utf8("a"))), NOW).results();

        assertEquals(6, results.size());
        assertFalse(results.get(0).existed());
        assertArrayEquals(utf8("1"), results.get(1).value());
        assertTrue(results.get(2).existed());
        assertTrue(results.get(3).existed());
        assertFalse(results.get(4).existed());
        assertFalse(results.get(5).existed());
        assertNull(store.get(utf8("a"), NOW));
    }

    @Test
    void shouldVisitLiveEntriesInKeyOrder() {
        apply(set("b", "2", Entry.NEVER), NOW);
        apply(set("a", "1", Entry.NEVER), NOW);
        apply(set("c", "3", NOW + 1), NOW);
        List<String> seen = new ArrayList<>();

        store.forEachLive(NOW + 1, (key, entry) -> seen.add(str(key) + "=" + str(entry.value())));

        assertEquals(List.of("a=1", "b=2"), seen);
    }

    @Test
    void shouldNeverShowPartOfABatchToReaders() throws Exception {
        int batches = 20_000;
        int readers = 2;
        byte[] prefix = utf8("iso/");
        byte[] a = utf8("iso/a");
        byte[] b = utf8("iso/b");
        apply(set("iso", "0", Entry.NEVER), NOW);
        apply(set("iso0", "0", Entry.NEVER), NOW);
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
        try {
            List<Future<long[]>> readerResults = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                readerResults.add(pool.submit(() -> {
                    go.await();
                    long torn = 0;
                    long reads = 0;
                    long seenBoth = 0;
                    while (!done.get()) {
                        int n = store.keysWithPrefix(prefix, NOW).size();
                        reads++;
                        if (n == 2) {
                            seenBoth++;
                        } else if (n != 0) {
                            torn++;
                        }
                    }
                    return new long[] {torn, reads, seenBoth};
                }));
            }
            Future<?> writer = pool.submit(pairWriter(go, done, a, b, batches, Integer::toString));
            go.countDown();
            writer.get(20, TimeUnit.SECONDS);
            for (Future<long[]> f : readerResults) {
                long[] r = f.get(20, TimeUnit.SECONDS);
                assertEquals(0, r[0], "listings that showed one key of a two-key batch (of " + r[1] + ")");
                assertTrue(r[1] > 0);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(new Totals(2, 7, 2), store.totals());
    }

    @Test
    void shouldNeverShowTornTotalsToReaders() throws Exception {
        int batches = 20_000;
        byte[] a = utf8("a");
        byte[] b = utf8("b");
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Long> reader = pool.submit(() -> {
                go.await();
                long torn = 0;
                while (!done.get()) {
                    long keys = store.totals().keys();
                    if (keys != 0 && keys != 2) {
                        torn++;
                    }
                }
                return torn;
            });
            Future<?> writer = pool.submit(pairWriter(go, done, a, b, batches, i -> "1"));
            go.countDown();
            writer.get(20, TimeUnit.SECONDS);
            assertEquals(0L, reader.get(20, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldKeepTheValueBytesThatWereSet() {
        Op.Set op = set("k", "1", Entry.NEVER);
        apply(op, NOW);

        assertSame(op.value(), store.get(utf8("k"), NOW).value());
    }

    @Test
    void shouldListAnOverwrittenKeyByItsNewDeadline() {
        apply(set("a", "1", NOW + 10), NOW);
        apply(set("b", "1", Entry.NEVER), NOW);
        apply(set("a", "2", Entry.NEVER), NOW);
        apply(set("b", "2", NOW + 10), NOW);
        apply(set("c", "1", NOW + 10), NOW);
        apply(set("c", "2", NOW + 20), NOW);

        assertEquals(List.of("a", "c"), strings(store.keysWithPrefix(new byte[0], NOW + 10)));
        assertEquals(List.of("a"), strings(store.keysWithPrefix(new byte[0], NOW + 20)));
    }

    @Test
    void shouldVisitTheCurrentValueOfAnOverwrittenKey() {
        apply(set("a", "1", Entry.NEVER), NOW);
        apply(set("a", "2", Entry.NEVER), NOW);
        List<String> seen = new ArrayList<>();

        store.forEachLive(NOW, (key, entry) -> seen.add(str(key) + "=" + str(entry.value())));

        assertEquals(List.of("a=2"), seen);
    }

    @Test
    void shouldListAKeyAgainAfterItWasDeletedAndWrittenAgain() {
        apply(set("a", "1", Entry.NEVER), NOW);
        apply(new Op.Delete(utf8("a")), NOW);
        assertEquals(List.of(), strings(store.keysWithPrefix(new byte[0], NOW)));

        apply(set("a", "2", Entry.NEVER), NOW);

        assertEquals(List.of("a"), strings(store.keysWithPrefix(new byte[0], NOW)));
    }

    /**
     * Once go opens: batches times, sets a and b to value(i) in one atomic batch, then deletes both in another;
     * sets done at the end.
     */
    private Callable<Void> pairWriter(CountDownLatch go, AtomicBoolean done, byte[] a, byte[] b, int batches,
                                      IntFunction<String> value) {
        return () -> {
            go.await();
            try {
                for (int i = 0; i < batches; i++) {
                    byte[] v = utf8(value.apply(i));
                    store.applyUnit(List.of(new Op.Set(a, v, Entry.NEVER), new Op.Set(b, v, Entry.NEVER)), NOW);
                    store.applyUnit(List.of(new Op.Delete(a), new Op.Delete(b)), NOW);
                }
            } finally {
                done.set(true);
            }
            return null;
        };
    }

    private OpResult apply(Op op, long now) {
        return store.applyUnit(List.of(op), now).results().get(0);
    }

    private static Op.Set set(String key, String json, long deadline) {
        return new Op.Set(utf8(key), utf8(json), deadline);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static List<String> strings(List<byte[]> keys) {
        List<String> out = new ArrayList<>();
        for (byte[] k : keys) {
            out.add(str(k));
        }
        return out;
    }
}
