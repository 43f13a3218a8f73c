package kvstore.client;

/**
 * A write that was applied: {@code created} is true when the key did not exist (or had expired) before, and
 * {@code revision} is the store's revision after the write, which is the key's new {@code mod_revision} (0 from a
 * server from before revisions).
 *
 * @param key      the key written
 * @param created  whether the write created the key
 * @param revision the store's revision after the write
 */
public record PutResult(String key, boolean created, long revision) {
}
