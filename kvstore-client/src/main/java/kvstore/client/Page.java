package kvstore.client;

import java.util.List;

/**
 * One answer of a listing: keys (or {@link KeyValue}s) in key order, the key to continue after when more follow,
 * and the store revision the answer reflects. Watching from {@code revision + 1} after a listing misses no change.
 *
 * @param items    the keys or entries, in the server's order (UTF-8 byte order)
 * @param next     the key to list after to get the following page, or null when nothing follows
 * @param revision the store revision the page reflects (0 from a server from before revisions)
 * @param <T>      {@code String} for keys, {@link KeyValue} for a listing with values
 */
public record Page<T>(List<T> items, String next, long revision) {
    /** Whether more items follow this page. */
    public boolean hasMore() {
        return next != null;
    }
}
