package kvstore.core.store;

/**
 * One stored value: its key, its compact JSON text, the wall-clock instant (epoch ms) it expires at, and its
 * revision figures: the revision that created the key since it last did not exist ({@code createRevision}), its
 * last change ({@code modRevision}) and the writes since its creation ({@code version}, 1 when created).
 *
 * <p>An entry is made with the write that sets it ({@link Op.Set}), without figures; the {@link Store} fills them
 * in once, on its writing thread, before it publishes the entry, and a published entry never changes again (one
 * applied a second time is copied, not changed). An entry read back from a snapshot ({@link Op.Restore}) carries
 * the figures it had.
 *
 * <p>Entries are compared by identity on purpose: an expiry removes the exact entry it was scheduled for,
 * so it can never remove a newer value written to the same key.
 *
 * <p>Most keys never expire: their entries hold no deadline at all ({@link #of} makes an {@code Expiring} entry
 * only for one that has a deadline), which keeps each of them a few bytes smaller.
 */
public class Entry {
    /** The deadline of an entry that never expires. */
    public static final long NEVER = Long.MAX_VALUE;
    /** The largest TTL a client may ask for: about 31 million years, far below where a deadline overflows. */
    public static final double MAX_TTL_SECONDS = 1e15;

    private final byte[] key;
    private final byte[] value;
    /** Filled in once by the store's writer before the entry is published (see {@link #applied}). */
    private long createRevision;
    private long modRevision;
    private long version;

    private Entry(byte[] key, byte[] value, long createRevision, long modRevision, long version) {
        this.key = key;
        this.value = value;
        this.createRevision = createRevision;
        this.modRevision = modRevision;
        this.version = version;
    }

    /** An entry of {@code key}, expiring at {@code deadlineMillis} ({@link #NEVER}: never), with these figures. */
    public static Entry of(byte[] key, byte[] value, long deadlineMillis, long createRevision, long modRevision,
                           long version) {
        return deadlineMillis == NEVER ? new Entry(key, value, createRevision, modRevision, version)
                : new Expiring(key, value, deadlineMillis, createRevision, modRevision, version);
    }

    /** An entry with a deadline. */
    private static final class Expiring extends Entry {
        private final long deadlineMillis;

        Expiring(byte[] key, byte[] value, long deadlineMillis, long createRevision, long modRevision, long version) {
            super(key, value, createRevision, modRevision, version);
            this.deadlineMillis = deadlineMillis;
        }

        @Override
        public long deadlineMillis() {
            return deadlineMillis;
        }
    }

    /** The key, as UTF-8 bytes. */
    public byte[] key() {
        return key;
    }

    /** The value's compact JSON text. */
    public byte[] value() {
        return value;
    }

    /** Epoch milliseconds at which the entry expires, or {@link #NEVER}. */
    public long deadlineMillis() {
        return NEVER;
    }

    /**
     * This entry with the figures of the change of {@code revision}: itself, filled in, when it has none yet (it
     * was never published); a copy otherwise. Only the store's writer calls this, before it publishes the result.
     */
    Entry applied(long createRevision, long revision, long version) {
        if (modRevision != 0) {
            return of(key, value, deadlineMillis(), createRevision, revision, version);
        }
        this.createRevision = createRevision;
        this.modRevision = revision;
        this.version = version;
        return this;
    }

    /** The revision that created the key since it last did not exist. */
    public long createRevision() {
        return createRevision;
    }

    /** The revision of the key's last change. */
    public long modRevision() {
        return modRevision;
    }

    /** Writes to the key since its creation, 1 when this write created it. */
    public long version() {
        return version;
    }

    /**
     * The deadline of a TTL of {@code ttlSeconds} counted from {@code fromMillis}, to the millisecond: a TTL of
     * zero or less is due at {@code fromMillis}, over at once; a deadline too far away to hold is kept just
     * short of {@link #NEVER}.
     */
    public static long deadline(long fromMillis, double ttlSeconds) {
        if (!(ttlSeconds > 0)) {
            return fromMillis;
        }
        double deadline = fromMillis + Math.rint(ttlSeconds * 1000);
        return deadline >= NEVER ? NEVER - 1 : (long) deadline;
    }

    public boolean isLiveAt(long nowMillis) {
        return nowMillis < deadlineMillis();
    }
}
