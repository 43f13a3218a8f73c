package kvstore.core.store;

/**
 * One operation of a unit (a single write or a batch) on the store: a set, a delete, a get, a check, an expiry,
 * or a key restored from a snapshot. Keys are UTF-8 bytes; values are compact JSON text.
 */
public sealed interface Op {
    byte[] key();

    /** Whether the operation may change the store (and so is logged): a set, a delete, an expiry, a restore. */
    default boolean isWrite() {
        return !(this instanceof Get || this instanceof Check);
    }

    /**
     * Sets {@code key} to the value and deadline of {@code entry}, made with the op (on the thread that decoded or
     * parsed it, near its key and value): the store fills in its revision figures and keeps it.
     */
    record Set(byte[] key, Entry entry) implements Op {
        /** Sets {@code key} to {@code value}, expiring at {@code deadlineMillis} ({@link Entry#NEVER}: never). */
        public Set(byte[] key, byte[] value, long deadlineMillis) {
            this(key, Entry.of(key, value, deadlineMillis, 0, 0, 0));
        }

        public byte[] value() {
            return entry.value();
        }

        public long deadlineMillis() {
            return entry.deadlineMillis();
        }

        /** Whether the value set is still live at {@code nowMillis}. */
        public boolean isLiveAt(long nowMillis) {
            return entry.isLiveAt(nowMillis);
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

    /**
     * Puts {@code entry} back as a snapshot holds it, with its own revision figures: replay of a compacted log, a
     * backup or a cluster snapshot. It is state, not a change: nobody is told of it.
     */
    record Restore(Entry entry) implements Op {
        @Override
        public byte[] key() {
            return entry.key();
        }
    }
}
