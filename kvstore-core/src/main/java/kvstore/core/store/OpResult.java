package kvstore.core.store;

/**
 * What one {@link Op} found: whether its key held a live value just before it ran and, for a get, that value.
 * A set created the key when {@code existed} is false; a delete deleted something when it is true.
 */
public record OpResult(boolean existed, byte[] value) {
    static final OpResult EXISTED = new OpResult(true, null);
    static final OpResult ABSENT = new OpResult(false, null);
}
