package kvstore.client;

/**
 * A delete that removed its key; {@code revision} is the store's revision after it (0 from a server from before
 * revisions). A delete that finds no key throws {@link NotFoundException} instead.
 *
 * @param key      the key deleted
 * @param revision the store's revision after the delete
 */
public record DeleteResult(String key, long revision) {
}
