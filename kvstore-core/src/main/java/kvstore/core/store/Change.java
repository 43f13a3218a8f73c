package kvstore.core.store;

/**
 * One change of the store as it was applied, with the revision that made it: what a watcher is told and what
 * the watch history keeps. A batch's changes share one revision; a put, a delete that found its key and each
 * expiry have one each.
 *
 * @param type what happened to the key
 * @param key the key, as UTF-8 bytes
 * @param value the new value's compact JSON text for a {@link Type#PUT}; null otherwise
 * @param revision the store's revision this change is part of
 * @param createRevision for a put, the revision that created the key since it last did not exist; 0 otherwise
 * @param version for a put, the writes to the key since its creation (1 when this put created it); 0 otherwise
 * @param deadlineMillis for a put, the epoch milliseconds the value expires at, or {@link Entry#NEVER}
 */
public record Change(Type type, byte[] key, byte[] value, long revision, long createRevision, long version,
                     long deadlineMillis) {
    /** What a change did. */
    public enum Type {
        /** The key was set (created or replaced). */
        PUT,
        /** A client deleted the key. */
        DELETE,
        /** The key's TTL ran out. */
        EXPIRE
    }
}
