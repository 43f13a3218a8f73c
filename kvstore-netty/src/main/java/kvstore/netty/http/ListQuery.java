package kvstore.netty.http;

/**
 * The query of {@code GET /kv}, parsed once (see {@link Keys#listQuery}).
 *
 * @param prefix the keys listed start with it (empty: all keys)
 * @param after only keys that sort strictly after it, or null
 * @param limit at most this many keys, a page with {@code next}; {@link #WHOLE} for the whole listing
 * @param values whether the listing gives each key's value and figures ({@code values=true}), as they stood at
 *               one revision
 */
record ListQuery(byte[] prefix, byte[] after, int limit, boolean values) {
    /** The limit of a listing without {@code limit}: every matching key, no {@code next}. */
    static final int WHOLE = 0;
    /** The largest page a client may ask for. */
    static final int MAX_LIMIT = 10_000;

    boolean paged() {
        return limit != WHOLE;
    }
}
