package kvstore.core.store;

import kvstore.core.ttl.TimerWheel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The {@link Store}'s data, kept in agreement: a {@link KeyIndex} from each key to its {@link Entry} for point
 * reads, a sorted map of the same keys for listings, the running totals and the expiry schedule. The store adds
 * revisions and isolation on top.
 *
 * <p>The sorted map holds what a listing needs to know, whether the key is live: a shared marker for an entry
 * without a deadline, or the entry itself for one with a deadline. So overwriting a key that has no deadline
 * with a value that has none, the usual write, touches only the index, and spares the writer a walk of some
 * twenty skip-list nodes, most of them cache misses.
 *
 * <p>Threading: one writer at a time (the store's); any thread reads. A reader may see the index a moment
 * before the sorted map, which is no different from reading just before the write.
 */
final class KeyTable {
    /** The sorted map's value for a key whose entry never expires. */
    private static final Object PERMANENT = new Object();
    /** The order due entries are expired in, the same wherever the same entries are due: deadline, then key. */
    private static final Comparator<Entry> DUE_ORDER = Comparator.comparingLong(Entry::deadlineMillis)
            .thenComparing(Entry::key, Arrays::compareUnsigned);

    private final ConcurrentSkipListMap<byte[], Object> sortedKeys =
            new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    private final KeyIndex index = new KeyIndex();
    private final AtomicLong keyCount = new AtomicLong();
    private final AtomicLong keyBytes = new AtomicLong();
    private final AtomicLong valueBytes = new AtomicLong();
    /** The deadline of every entry set with one, so that it is expired once due. */
    private final TimerWheel<byte[], Entry> expiries = new TimerWheel<>(Store.EXPIRY_TICK_MILLIS, 512, 0);

    /** The entry of {@code key}, live or not, or null. */
    Entry get(byte[] key) {
        return index.get(key);
    }

    /** The entry of {@code key} live at {@code nowMillis}, or null. */
    Entry live(byte[] key, long nowMillis) {
        Entry entry = index.get(key);
        return entry != null && entry.isLiveAt(nowMillis) ? entry : null;
    }

    /** See {@link KeyIndex#probe}: where {@code key} is, or would go. */
    int probe(byte[] key) {
        return index.probe(key);
    }

    /** The entry in {@code slot}, found by {@link #probe}. */
    Entry entryAt(int slot) {
        return index.entryAt(slot);
    }

    /**
     * Puts {@code entry} where {@link #probe} said ({@code slot}), in place of {@code previous} (null for a new
     * key), and schedules its expiry when it has a deadline.
     */
    void put(int slot, Entry previous, Entry entry) {
        byte[] key = entry.key();
        if (slot >= 0) {
            index.replace(slot, entry);
        } else {
            index.insert(slot, entry);
        }
        boolean permanent = entry.deadlineMillis() == Entry.NEVER;
        if (previous == null || !permanent || previous.deadlineMillis() != Entry.NEVER) {
            sortedKeys.put(key, permanent ? PERMANENT : entry);
        }
        if (!permanent) {
            expiries.schedule(entry.deadlineMillis(), key, entry);
        }
        if (previous == null) {
            keyCount.incrementAndGet();
            keyBytes.addAndGet(key.length);
            valueBytes.addAndGet(entry.value().length);
        } else {
            valueBytes.addAndGet(entry.value().length - previous.value().length);
        }
    }

    /** Removes {@code entry}, the current one of its key. */
    void remove(Entry entry) {
        byte[] key = entry.key();
        index.remove(key, entry);
        sortedKeys.remove(key);
        keyCount.decrementAndGet();
        keyBytes.addAndGet(-key.length);
        valueBytes.addAndGet(-entry.value().length);
    }

    /**
     * Gives {@code found} each key that starts with {@code prefix} and sorts strictly after {@code after} (null:
     * from the first), with its entry live at {@code nowMillis}, in key order, until {@code max} were found; costs
     * O(log n + max) plus the expired keys skipped on the way.
     */
    void collect(byte[] prefix, byte[] after, int max, long nowMillis, BiConsumer<byte[], Entry> found) {
        walk(prefix, after, max, nowMillis, true, found);
    }

    /**
     * As {@link #collect}, the keys only: a key without a deadline is known to be live from the sorted map alone,
     * which spares a listing of keys a lookup in the index per key.
     */
    void collectKeys(byte[] prefix, byte[] after, int max, long nowMillis, Consumer<byte[]> found) {
        walk(prefix, after, max, nowMillis, false, (key, entry) -> found.accept(key));
    }

    private void walk(byte[] prefix, byte[] after, int max, long nowMillis, boolean withEntries,
                      BiConsumer<byte[], Entry> found) {
        boolean fromAfter = after != null && Arrays.compareUnsigned(after, prefix) >= 0;
        int count = 0;
        for (Map.Entry<byte[], Object> e : sortedKeys.tailMap(fromAfter ? after : prefix, !fromAfter).entrySet()) {
            byte[] key = e.getKey();
            if (count >= max || !startsWith(key, prefix)) {
                break;
            }
            Object mark = e.getValue();
            if (mark == PERMANENT || ((Entry) mark).isLiveAt(nowMillis)) {
                Entry entry = !withEntries ? null : mark == PERMANENT ? index.get(key) : (Entry) mark;
                if (!withEntries || entry != null) {
                    found.accept(key, entry);
                    count++;
                }
            }
        }
    }

    /** Every key held, in order; weakly consistent under writes. */
    Iterable<byte[]> keys() {
        return sortedKeys.keySet();
    }

    long keyCount() {
        return keyCount.get();
    }

    long keyBytes() {
        return keyBytes.get();
    }

    long valueBytes() {
        return valueBytes.get();
    }

    /**
     * Takes the entries due at {@code atMillis} off the schedule, in the order they are expired in; a timer of an
     * entry overwritten since is dropped.
     */
    List<Entry> takeDue(long atMillis) {
        List<Entry> due = new ArrayList<>();
        expiries.advance(atMillis, (key, entry) -> {
            if (index.get(key) == entry) {
                due.add(entry);
            }
        });
        due.sort(DUE_ORDER);
        return due;
    }

    /** Puts entries taken by {@link #takeDue} back on the schedule. */
    void reschedule(List<Entry> due) {
        for (Entry e : due) {
            expiries.schedule(e.deadlineMillis(), e.key(), e);
        }
    }

    /** Calls {@code action} for every current entry due at {@code nowMillis} and not taken yet; any thread. */
    void forEachDue(long nowMillis, BiConsumer<byte[], Entry> action) {
        expiries.forEachDue(nowMillis, (key, entry) -> {
            if (index.get(key) == entry) {
                action.accept(key, entry);
            }
        });
    }

    /** Expiry timers scheduled and not taken yet. */
    int scheduledExpiries() {
        return expiries.size();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
