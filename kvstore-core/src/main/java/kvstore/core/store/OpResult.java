package kvstore.core.store;

/**
 * What one {@link Op} found: whether its key held a live value just before it ran and, for a get that found it,
 * the value and the key's revision figures (see {@link Entry}). A set created the key when {@code existed} is
 * false; a delete deleted something when it is true; a check that holds reports true.
 */
public record OpResult(boolean existed, byte[] value, long createRevision, long modRevision, long version) {
    static final OpResult EXISTED = new OpResult(true, null, 0, 0, 0);
    static final OpResult ABSENT = new OpResult(false, null, 0, 0, 0);

    /** What a get found: {@code entry}, live, or nothing when it is null. */
    static OpResult found(Entry entry) {
        return entry == null ? ABSENT
                : new OpResult(true, entry.value(), entry.createRevision(), entry.modRevision(), entry.version());
    }
}
