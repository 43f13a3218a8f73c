package kvstore.core.store;

/**
 * One stored value: its key, its compact JSON text and the wall-clock instant (epoch ms) it expires at.
 *
 * <p>Entries are compared by identity on purpose: an expiry removes the exact entry it was scheduled for,
 * so it can never remove a newer value written to the same key.
 */
public final class Entry {
    /** The deadline of an entry that never expires. */
    public static final long NEVER = Long.MAX_VALUE;

    private final byte[] key;
    private final byte[] value;
    private final long deadlineMillis;

    public Entry(byte[] key, byte[] value, long deadlineMillis) {
        this.key = key;
        this.value = value;
        this.deadlineMillis = deadlineMillis;
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

    public boolean isLiveAt(long nowMillis) {
        return nowMillis < deadlineMillis;
    }
}
