package kvstore.core.store;

/**
 * One operation on the store: a set, a delete or a get. Keys are UTF-8 bytes; values are compact JSON text.
 */
public sealed interface Op {
    byte[] key();

    /** Whether the operation changes the store (and so must be logged). */
    default boolean isWrite() {
        return !(this instanceof Get);
    }

    /**
     * Sets {@code key} to {@code entry}. The entry is made once, here, so that the expiry scheduled for it
     * later can tell it apart from any newer value of the key.
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
}
