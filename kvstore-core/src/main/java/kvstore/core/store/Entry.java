package kvstore.core.store;

/**
 * One stored value: its key, its compact JSON text, the wall-clock instant (epoch ms) it expires at, and its
 * revision figures: the revision that created the key since it last did not exist ({@code createRevision}), its
 * last change ({@code modRevision}) and the writes since its creation ({@code version}, 1 when created).
 *
 * <p>An entry made for a write (by the HTTP layer or a decoder) has no figures yet (all 0); the {@link Store}
 * makes the entry it keeps, with its figures, when it applies the write. An entry read back from a snapshot
 * carries the figures it had.
 *
 * <p>Entries are compared by identity on purpose: an expiry removes the exact entry it was scheduled for,
 * so it can never remove a newer value written to the same key.
 */
public final class Entry {
    /** The deadline of an entry that never expires. */
    public static final long NEVER = Long.MAX_VALUE;
    /** The largest TTL a client may ask for: about 31 million years, far below where a deadline overflows. */
    public static final double MAX_TTL_SECONDS = 1e15;

    private final byte[] key;
    private final byte[] value;
    private final long deadlineMillis;
    private final long createRevision;
    private final long modRevision;
    private final long version;

    /** An entry about to be written: the store gives it its figures as it applies it. */
    public Entry(byte[] key, byte[] value, long deadlineMillis) {
        this(key, value, deadlineMillis, 0, 0, 0);
    }

    public Entry(byte[] key, byte[] value, long deadlineMillis, long createRevision, long modRevision, long version) {
        this.key = key;
        this.value = value;
        this.deadlineMillis = deadlineMillis;
        this.createRevision = createRevision;
        this.modRevision = modRevision;
        this.version = version;
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
        return deadlineMillis;
    }

    /** The revision that created the key since it last did not exist; 0 for an entry not applied yet. */
    public long createRevision() {
        return createRevision;
    }

    /** The revision of the key's last change; 0 for an entry not applied yet. */
    public long modRevision() {
        return modRevision;
    }

    /** Writes to the key since its creation, 1 when this write created it; 0 for an entry not applied yet. */
    public long version() {
        return version;
    }

    /** Whether the entry carries revision figures: it was applied, or read back from a snapshot. */
    public boolean hasFigures() {
        return modRevision != 0;
    }

    /** This entry's key, value and deadline as written by the change of {@code revision} (see {@link Store}). */
    Entry appliedAs(long createRevision, long revision, long version) {
        return new Entry(key, value, deadlineMillis, createRevision, revision, version);
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
        return nowMillis < deadlineMillis;
    }
}
