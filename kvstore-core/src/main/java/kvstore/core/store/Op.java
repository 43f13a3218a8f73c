package kvstore.core.store;

/**
 * One operation of a unit (a single write or a batch) on the store: a set, a delete, a get, a check, or an
 * expiry. Keys are UTF-8 bytes; values are compact JSON text.
 */
public sealed interface Op {
    byte[] key();

    /** Whether the operation may change the store (and so is logged): a set, a delete or an expiry. */
    default boolean isWrite() {
        return this instanceof Set || this instanceof Delete || this instanceof Expire;
    }

    /**
     * Sets {@code key} to {@code entry}'s value and deadline. The entry carries revision figures only when it
     * was read back from a snapshot: the store then keeps it as it is.
     */
    record Set(byte[] key, Entry entry) implements Op {
        public Set(byte[] key, byte[] value, long deadlineMillis) {
            this(key, new Entry(key, value, deadlineMillis));
        }
    }

    /** Removes {@code key}. */
    record Delete(byte[] key) implements Op {
    }

    /** Reads {@code key}; only used inside batches, where it must see the batch's earlier writes. */
    record Get(byte[] key) implements Op {
    }

    /**
     * Requires {@code condition} of {@code key} as the unit's earlier operations left it; when it does not hold,
     * no operation of the unit is applied (see {@link Conditions}).
     */
    record Check(byte[] key, Condition condition) implements Op {
    }

    /**
     * Removes {@code key} because its TTL ran out: made by the log worker (and read back from the log) and by the
     * replicated state machine, never by a client.
     */
    record Expire(byte[] key) implements Op {
    }
}
