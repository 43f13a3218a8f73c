package kvstore.core;

import java.util.List;

/**
 * One page of a listing: its keys in unsigned UTF-8 byte order, and {@code next}, the last of them, when more
 * matching keys follow (null when this page ends the listing). The next page starts after {@code next}.
 */
public record Page(List<byte[]> keys, byte[] next) {
    /** How many keys to fetch for a page of {@code limit}: one more than it holds says whether another follows. */
    public static int fetchSize(int limit) {
        return (int) Math.min(Integer.MAX_VALUE, limit + 1L);
    }

    /** The page of at most {@code limit} keys out of {@code keys}, fetched with {@link #fetchSize}. */
    public static Page of(List<byte[]> keys, int limit) {
        if (keys.size() <= limit) {
            return new Page(keys, null);
        }
        List<byte[]> page = keys.subList(0, limit);
        return new Page(page, page.get(limit - 1));
    }
}
