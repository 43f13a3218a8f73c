package kvstore.core.store;

import java.util.List;

/**
 * Keys held, and the UTF-8 bytes of all their keys and of all their values' compact JSON text (see
 * {@link Store#totals}); and the estimate of the data set's memory that {@code --max-memory} bounds.
 */
public record Totals(long keys, long keyBytes, long valueBytes) {
    /**
     * Estimated heap bytes of an entry besides its key and value bytes: the entry with its revision figures, two
     * array headers, its hash-index slots and its skip-list node (a million 100-byte values measured about this
     * much more).
     */
    public static final long ENTRY_OVERHEAD_BYTES = 144;

    /** The estimated heap bytes of the data set: what {@code --max-memory} bounds. */
    public long memoryBytes() {
        return keyBytes + valueBytes + keys * ENTRY_OVERHEAD_BYTES;
    }

    /**
     * Whether applying {@code ops} to {@code store} now would take the data set's estimated memory over
     * {@code maxBytes}. Writes that shrink it never do, as under Redis's {@code noeviction}. Writes checked at the
     * same moment may overshoot the ceiling by what they add together.
     */
    public static boolean wouldGrowPast(Store store, List<Op> ops, long maxBytes, long nowMillis) {
        long used = store.totals().memoryBytes();
        long mostAdded = 0;
        for (Op op : ops) {
            if (op instanceof Op.Set set) {
                mostAdded += set.key().length + set.value().length + ENTRY_OVERHEAD_BYTES;
            }
        }
        if (used + mostAdded <= maxBytes) {
            return false; // the common case, without looking up what the keys hold now
        }
        long growth = growthOf(store, ops, nowMillis);
        return growth > 0 && used + growth > maxBytes;
    }

    /**
     * How many bytes {@link #memoryBytes} of {@code store} would grow by if {@code ops} were applied now (negative
     * when they free more than they add). A set of a key replaces what the key holds; a delete frees it.
     */
    public static long growthOf(Store store, List<Op> ops, long nowMillis) {
        long growth = 0;
        for (Op op : ops) {
            if (!op.isWrite()) {
                continue;
            }
            Entry old = store.get(op.key(), nowMillis);
            if (old != null) {
                growth -= op.key().length + old.value().length + ENTRY_OVERHEAD_BYTES;
            }
            if (op instanceof Op.Set set) {
                growth += set.key().length + set.value().length + ENTRY_OVERHEAD_BYTES;
            }
        }
        return growth;
    }
}
