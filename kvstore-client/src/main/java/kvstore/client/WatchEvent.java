package kvstore.client;

/**
 * One change of a watched key, as {@link WatchListener#onEvent} receives it: a {@code PUT} (with the key's new value
 * and revisions in {@link #keyValue()}), a {@code DELETE} or an {@code EXPIRE} (a TTL ran out). The changes of one
 * batch share their revision and arrive together.
 *
 * @param type     what happened to the key
 * @param key      the key
 * @param revision the revision of the change (the key's new {@code mod_revision} for a put)
 * @param keyValue the key's value and revisions after a put; null for a delete or an expiry
 */
public record WatchEvent(Type type, String key, long revision, KeyValue keyValue) {
    /** The kinds of change. */
    public enum Type {
        /** The key was written (created or replaced). */
        PUT,
        /** The key was deleted. */
        DELETE,
        /** The key's TTL ran out and the server removed it. */
        EXPIRE
    }
}
