package kvstore.core;

import java.util.List;

/**
 * One page of a listing: its keys in unsigned UTF-8 byte order, and {@code next}, the last of them, when more
 * matching keys follow (null when this page ends the listing). The next page starts after {@code next}.
 */
public record Page(List<byte[]> keys, byte[] next) {
}
