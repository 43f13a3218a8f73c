package kvstore.netty.http;

/**
 * The query of {@code GET /kv}, parsed once (see {@link Keys#listQuery}).
 *
 * @param prefix the keys listed start with it (empty: all keys)
 * @param after only keys that sort strictly after it, or null
 * @param limit at most this many keys, a page with {@code next}; {@link #WHOLE} for the whole listing
 */
record ListQuery(byte[] prefix, byte[] after, int limit) {
    /** The limit of a listing without {@code limit}: every matching key, no {@code next}. */
    static final int WHOLE = 0;
    /** The largest page a client may ask for. */
    static final int MAX_LIMIT = 10_000;

    boolean paged() {
        return limit != WHOLE;
    }
}
