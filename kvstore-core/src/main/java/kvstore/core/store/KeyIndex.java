package kvstore.core.store;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A hash index from key to {@link Entry} for point reads, beside the sorted map that serves listings.
 * A lookup in the sorted map walks some twenty nodes, most of them cache misses; here it is usually one.
 *
 * <p>Open addressing with linear probing over an array of entries (an entry knows its key), so it costs
 * two references per key rather than a node per key. One thread at a time writes (the {@link Store}'s
 * single writer: the log worker, replay or the replicated state machine's apply thread); readers take no
 * lock. A removed slot becomes a tombstone until the next rebuild, so a reader probing past it never
 * misses a key further along; a rebuild makes a new array and publishes it whole.
 */
final class KeyIndex {
    private static final Entry TOMBSTONE = Entry.of(new byte[0], new byte[0], 0, 0, 0, 0);
    private static final int MIN_CAPACITY = 1 << 10;

    private volatile AtomicReferenceArray<Entry> table = new AtomicReferenceArray<>(MIN_CAPACITY);
    private int live;
    private int used;

    /** The entry of {@code key}, or null. */
    Entry get(byte[] key) {
        AtomicReferenceArray<Entry> t = table;
        int mask = t.length() - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Entry e = t.get(i);
            if (e == null) {
                return null;
            }
            if (e != TOMBSTONE && Arrays.equals(e.key(), key)) {
                return e;
            }
        }
    }

    /** Maps the entry's key to {@code entry}; returns the entry it replaced, or null for a new key. */
    Entry put(Entry entry) {
        int at = probe(entry.key());
        if (at >= 0) {
            Entry previous = entryAt(at);
            replace(at, entry);
            return previous;
        }
        insert(at, entry);
        return null;
    }

    /**
     * Where {@code key} is: the slot holding its entry (0 or more), or {@code -1 - slot} for the slot a new entry
     * of it would take. Good until the next {@link #insert} or {@link #remove}: the writer looks up once, then
     * replaces or inserts.
     */
    int probe(byte[] key) {
        AtomicReferenceArray<Entry> t = table;
        int mask = t.length() - 1;
        int free = -1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Entry e = t.get(i);
            if (e == null) {
                return -1 - (free >= 0 ? free : i);
            }
            if (e == TOMBSTONE) {
                if (free < 0) {
                    free = i;
                }
            } else if (Arrays.equals(e.key(), key)) {
                return i;
            }
        }
    }

    /** The entry in {@code slot}, found by {@link #probe}. */
    Entry entryAt(int slot) {
        return table.get(slot);
    }

    /** Puts {@code entry} in place of the entry of the same key in {@code slot}, found by {@link #probe}. */
    void replace(int slot, Entry entry) {
        table.set(slot, entry);
    }

    /** Adds {@code entry}, of a key {@link #probe} did not find, where it said ({@code probe} is what it returned). */
    void insert(int probe, Entry entry) {
        AtomicReferenceArray<Entry> t = table;
        int slot = -1 - probe;
        if (t.get(slot) == null) {
            used++;
        }
        t.set(slot, entry);
        live++;
        if (used * 2 > t.length()) {
            rebuild();
        }
    }

    /**
     * Removes {@code key}'s entry if it is {@code expected}, or whatever it is when {@code expected} is null.
     * Returns the entry removed, or null when nothing was.
     */
    Entry remove(byte[] key, Entry expected) {
        AtomicReferenceArray<Entry> t = table;
        int mask = t.length() - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Entry e = t.get(i);
            if (e == null) {
                return null;
            }
            if (e != TOMBSTONE && Arrays.equals(e.key(), key)) {
                if (expected != null && e != expected) {
                    return null;
                }
                t.set(i, TOMBSTONE);
                live--;
                return e;
            }
        }
    }

    /** Copies the live entries into an array sized for them, dropping tombstones, and publishes it. */
    private void rebuild() {
        int capacity = MIN_CAPACITY;
        while (capacity < live * 4) {
            capacity <<= 1;
        }
        AtomicReferenceArray<Entry> old = table;
        AtomicReferenceArray<Entry> next = new AtomicReferenceArray<>(capacity);
        int mask = capacity - 1;
        for (int j = 0; j < old.length(); j++) {
            Entry e = old.get(j);
            if (e != null && e != TOMBSTONE) {
                int i = slot(e.key(), mask);
                while (next.get(i) != null) {
                    i = (i + 1) & mask;
                }
                next.lazySet(i, e);
            }
        }
        used = live;
        table = next;
    }

    /**
     * The first slot to probe for {@code key} in a table of {@code mask + 1} slots. Fibonacci hashing: the
     * top bits of the product are the well-mixed ones, so it takes as many of them as the table needs.
     */
    static int slot(byte[] key, int mask) {
        return (Arrays.hashCode(key) * 0x9E3779B9) >>> Integer.numberOfLeadingZeros(mask);
    }
}
