package kvstore.core.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's revision bookkeeping: the revision, each key's figures, and what its listener is told. */
class StoreRevisionsTest {
    private static final long NOW = 1_000_000L;

    private final List<String> heard = new ArrayList<>();
    private final Store store = new Store((revision, changes) -> {
        for (Change c : changes) {
            heard.add(revision + " " + c.type() + " " + str(c.key()) + (c.type() == Change.Type.PUT
                    ? "=" + str(c.value()) + " c" + c.createRevision() + " v" + c.version() : ""));
        }
    });

    @Test
    void shouldStartAtRevisionZeroAndCountOneRevisionPerChange() {
        assertEquals(0, store.revision());

        assertEquals(1, unit(set("a", "1")).revision());
        assertEquals(2, unit(set("a", "2")).revision());
        assertEquals(3, unit(new Op.Delete(utf8("a"))).revision());

        assertEquals(3, store.revision());
        assertEquals(List.of("1 PUT a=1 c1 v1", "2 PUT a=2 c1 v2", "3 DELETE a"), heard);
    }

    @Test
    void shouldCountNoRevisionForReadsAndDeletesOfMissingKeys() {
        unit(set("a", "1"));

        Outcome read = unit(new Op.Get(utf8("a")));
        Outcome missing = unit(new Op.Delete(utf8("nope")));
        Outcome nothing = store.applyUnit(List.of(new Op.Delete(utf8("x")), new Op.Get(utf8("a"))), NOW);

        assertEquals(1, read.revision(), "a read reflects the revision it saw");
        assertEquals(1, missing.revision());
        assertFalse(missing.results().get(0).existed());
        assertEquals(1, nothing.revision());
        assertArrayEquals(utf8("1"), nothing.results().get(1).value());
        assertEquals(1, store.revision());
        assertEquals(1, heard.size());
    }

    @Test
    void shouldGiveABatchOneRevisionSharedByAllItsChanges() {
        unit(set("x", "0"));

        Outcome batch = store.applyUnit(List.of(set("a", "1"), set("b", "2"), new Op.Delete(utf8("x")),
                new Op.Delete(utf8("missing")), new Op.Get(utf8("a"))), NOW);

        assertEquals(2, batch.revision());
        assertEquals(2, store.revision());
        OpResult read = batch.results().get(4);
        assertEquals(2, read.createRevision());
        assertEquals(2, read.modRevision());
        assertEquals(1, read.version());
        assertEquals(List.of("1 PUT x=0 c1 v1", "2 PUT a=1 c2 v1", "2 PUT b=2 c2 v1", "2 DELETE x"), heard);
    }

    @Test
    void shouldKeepTheCreateRevisionAndCountVersionsUntilTheKeyIsDeleted() {
        unit(set("k", "1"));
        unit(set("other", "1"));
        unit(set("k", "2"));
        unit(set("k", "3"));

        Entry k = store.get(utf8("k"), NOW);
        assertEquals(1, k.createRevision());
        assertEquals(4, k.modRevision());
        assertEquals(3, k.version());

        unit(new Op.Delete(utf8("k")));
        unit(set("k", "again"));
        Entry again = store.get(utf8("k"), NOW);
        assertEquals(6, again.createRevision());
        assertEquals(6, again.modRevision());
        assertEquals(1, again.version());
    }

    @Test
    void shouldExpireDueEntriesByDeadlineThenKeyEachWithItsOwnRevision() {
        store.applyUnit(List.of(
                new Op.Set(utf8("b"), utf8("1"), NOW + 20),
                new Op.Set(utf8("c"), utf8("1"), NOW + 10),
                new Op.Set(utf8("a"), utf8("1"), NOW + 20),
                new Op.Set(utf8("later"), utf8("1"), NOW + 30)), NOW);
        heard.clear();

        assertEquals(3, store.expireDue(NOW + 20));

        assertEquals(List.of("2 EXPIRE c", "3 EXPIRE a", "4 EXPIRE b"), heard);
        assertEquals(4, store.revision());
        assertTrue(store.hasDue(NOW + 30));
        assertFalse(store.hasDue(NOW + 29));
    }

    @Test
    void shouldCreateAKeyAnewWhenItsPreviousValueHadExpired() {
        unit(new Op.Set(utf8("k"), utf8("1"), NOW + 10));
        unit(set("k", "2"));
        assertEquals(1, store.get(utf8("k"), NOW).createRevision(), "still live: replaced");

        unit(new Op.Set(utf8("k"), utf8("3"), NOW + 10));
        Outcome late = store.applyUnit(List.of(set("k", "4")), NOW + 10);

        assertFalse(late.results().get(0).existed());
        Entry k = store.get(utf8("k"), NOW + 10);
        assertEquals(4, k.createRevision());
        assertEquals(1, k.version());
    }

    @Test
    void shouldTellTheListenerAfterTheUnitIsVisibleToReaders() {
        List<String> seen = new ArrayList<>();
        Store[] self = new Store[1];
        self[0] = new Store((revision, changes) -> {
            Entry a = self[0].get(utf8("a"), NOW);
            seen.add(revision + ":" + self[0].revision() + ":" + (a == null ? "-" : str(a.value())));
        });

        self[0].applyUnit(List.of(set("a", "1"), set("b", "1")), NOW);
        self[0].applyUnit(List.of(new Op.Delete(utf8("a"))), NOW);

        assertEquals(List.of("1:1:1", "2:2:-"), seen);
    }

    @Test
    void shouldApplyAGivenRevisionAndLeaveAloneKeysASnapshotAlreadyReflects() {
        // A snapshot taken while revisions 5 and 6 were applied: it saw "a" after 6, "b" before 5.
        store.raiseRevision(4);
        store.apply(List.of(new Op.Restore(Entry.of(utf8("a"), utf8("\"a6\""), Entry.NEVER, 2, 6, 3))), 6, NOW);
        store.apply(List.of(new Op.Restore(Entry.of(utf8("b"), utf8("\"b3\""), Entry.NEVER, 3, 3, 1))), 3, NOW);
        assertEquals(6, store.revision());
        assertTrue(heard.isEmpty(), "a snapshot's keys are state, not changes");

        // The log written since the snapshot began, carried over: 5 sets both, 6 sets a, 7 sets b.
        store.apply(List.of(set("a", "\"a5\""), set("b", "\"b5\"")), 5, NOW);
        store.apply(List.of(set("a", "\"a6\"")), 6, NOW);
        store.apply(List.of(set("b", "\"b7\"")), 7, NOW);

        Entry a = store.get(utf8("a"), NOW);
        Entry b = store.get(utf8("b"), NOW);
        assertEquals("\"a6\"", str(a.value()));
        assertEquals(List.of(2L, 6L, 3L), List.of(a.createRevision(), a.modRevision(), a.version()));
        assertEquals("\"b7\"", str(b.value()));
        assertEquals(List.of(3L, 7L, 3L), List.of(b.createRevision(), b.modRevision(), b.version()));
        assertEquals(7, store.revision());
        assertEquals(List.of("7 PUT b=\"b7\" c3 v3"), heard, "5 was half reflected, 6 whole: neither is a unit to tell");
    }

    @Test
    void shouldApplyEveryWriteOfAUnitToAKeyOnlyIfTheKeyWasBehindItBeforeTheUnit() {
        store.apply(List.of(set("k", "1")), 1, NOW);
        store.raiseRevision(3);

        // Replayed unit 2 sets k twice: k was behind it, so both apply, though the first makes it current.
        store.apply(List.of(set("k", "2"), new Op.Delete(utf8("k")), set("k", "3")), 2, NOW);

        Entry k = store.get(utf8("k"), NOW);
        assertEquals("3", str(k.value()));
        assertEquals(2, k.modRevision());
    }

    @Test
    void shouldListEntriesExactlyAsTheyStoodAtTheListingsRevision() throws Exception {
        // Units 2i-1 set a to i and units 2i set b to i: at revision r the pair is fixed by r.
        int rounds = 50_000;
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                try {
                    for (int i = 1; i <= rounds; i++) {
                        store.applyUnit(List.of(set("p/a", Integer.toString(i))), NOW);
                        store.applyUnit(List.of(set("p/b", Integer.toString(i))), NOW);
                    }
                } finally {
                    done.set(true);
                }
            });
            Future<Integer> reader = pool.submit(() -> {
                int listings = 0;
                while (!done.get()) {
                    Store.Listing listing = store.entriesAfter(utf8("p/"), null, 10, NOW);
                    long r = listing.revision();
                    List<Entry> entries = listing.entries();
                    if (r == 0) {
                        assertEquals(0, entries.size());
                        continue;
                    }
                    long a = (r + 1) / 2;
                    long b = r / 2;
                    assertEquals(b == 0 ? 1 : 2, entries.size(), "at revision " + r);
                    assertEquals(Long.toString(a), str(entries.get(0).value()), "a at revision " + r);
                    if (b > 0) {
                        assertEquals(Long.toString(b), str(entries.get(1).value()), "b at revision " + r);
                    }
                    listings++;
                }
                return listings;
            });
            writer.get(30, TimeUnit.SECONDS);
            assertTrue(reader.get(30, TimeUnit.SECONDS) > 0);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseAUnitWhoseCheckFailsAndChangeNothing() {
        unit(set("k", "1"));

        Outcome refused = store.applyUnit(List.of(set("other", "1"),
                new Op.Check(utf8("k"), new Condition.ModRevision(7)), set("k", "2")), NOW);

        assertTrue(refused.isRefused());
        assertEquals(1, refused.refusal().index());
        assertEquals(1, refused.refusal().modRevision());
        assertEquals(1, refused.revision());
        assertNull(store.get(utf8("other"), NOW));
        assertEquals(1, store.revision());
    }

    private Outcome unit(Op op) {
        return store.applyUnit(List.of(op), NOW);
    }

    private static Op.Set set(String key, String json) {
        return new Op.Set(utf8(key), utf8(json), Entry.NEVER);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
