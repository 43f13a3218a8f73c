package kvstore.netty.http;

import kvstore.core.watch.WatchedKeys;

/**
 * The query of {@code GET /watch}, parsed once (see {@link Keys#watchQuery}).
 *
 * @param keys the prefix (empty: every key) or the one key watched
 * @param from the first revision to send, or {@link #NEXT} for the revision after the current one
 */
record WatchQuery(WatchedKeys keys, long from) {
    /** No {@code from} and no {@code Last-Event-ID}: the stream starts after the current revision. */
    static final long NEXT = -1;
}
