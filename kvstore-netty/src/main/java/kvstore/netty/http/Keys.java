package kvstore.netty.http;

import kvstore.core.json.JsonStrings;
import kvstore.core.json.Utf8;
import kvstore.core.watch.WatchedKeys;

import java.util.Arrays;

/** Keys and prefixes as they arrive in URLs and bodies, checked and turned into UTF-8 bytes. */
final class Keys {
    /** The longest key, in UTF-8 bytes. */
    static final int MAX_KEY_BYTES = 1024;

    private Keys() {
    }

    /** The key in the path after {@code /kv/}: percent-decoded as UTF-8, {@code +} taken literally. */
    static byte[] fromPath(String uri, int from, int to) throws BadRequestException {
        return check(percentDecode(uri, from, to, false, "key"));
    }

    /**
     * The key of a batch operation, from a JSON string of a body already checked as UTF-8 (see
     * {@link WriteBodies}); only an escaped lone surrogate ({@code "\\ud800"}) can still make it text with no
     * UTF-8 form.
     */
    static byte[] fromJson(String key) throws BadRequestException {
        byte[] utf8 = JsonStrings.utf8OrNull(key);
        if (utf8 == null) {
            throw new BadRequestException("key is not valid UTF-8");
        }
        return check(utf8);
    }

    /**
     * The parameters of a listing's query string (form decoding: {@code +} is a space): {@code prefix} (none:
     * the empty prefix), {@code after}, {@code limit} (1 to {@link ListQuery#MAX_LIMIT}) and {@code values}
     * ({@code true} or {@code false}); others are ignored.
     */
    static ListQuery listQuery(String uri, int queryStart) throws BadRequestException {
        byte[] prefix = new byte[0];
        byte[] after = null;
        int limit = ListQuery.WHOLE;
        boolean values = false;
        for (int at = queryStart, end; at < uri.length(); at = end + 1) {
            end = parameterEnd(uri, at);
            if (uri.startsWith("prefix=", at)) {
                prefix = percentDecode(uri, at + "prefix=".length(), end, true, "prefix");
            } else if (uri.startsWith("after=", at)) {
                after = percentDecode(uri, at + "after=".length(), end, true, "after");
            } else if (uri.startsWith("limit=", at)) {
                limit = limit(uri, at + "limit=".length(), end);
            } else if (uri.startsWith("values=", at)) {
                values = bool(uri, at + "values=".length(), end, "values");
            }
        }
        return new ListQuery(prefix, after, limit, values);
    }

    private static boolean bool(String uri, int from, int to, String name) throws BadRequestException {
        String text = uri.substring(from, to);
        if (!text.equals("true") && !text.equals("false")) {
            throw new BadRequestException(name + " must be true or false");
        }
        return text.equals("true");
    }

    /** Where the query parameter that starts at {@code at} ends: at the next {@code &}, or at the end. */
    private static int parameterEnd(String uri, int at) {
        int end = uri.indexOf('&', at);
        return end < 0 ? uri.length() : end;
    }

    /**
     * The parameters of a watch: {@code prefix} (form decoding; none: every key) or {@code key}, and {@code from}, a
     * revision; {@code lastEventId} (the {@code Last-Event-ID} header, or null), when given, takes the place of
     * {@code from} as {@code id + 1}: what a reconnecting {@code EventSource} means. Others are ignored.
     */
    static WatchQuery watchQuery(String uri, int queryStart, String lastEventId) throws BadRequestException {
        byte[] prefix = null;
        byte[] key = null;
        long from = WatchQuery.NEXT;
        for (int at = queryStart, end; at < uri.length(); at = end + 1) {
            end = parameterEnd(uri, at);
            if (uri.startsWith("prefix=", at)) {
                prefix = percentDecode(uri, at + "prefix=".length(), end, true, "prefix");
            } else if (uri.startsWith("key=", at)) {
                key = check(percentDecode(uri, at + "key=".length(), end, true, "key"));
            } else if (uri.startsWith("from=", at)) {
                from = revision(uri.substring(at + "from=".length(), end), "from");
            }
        }
        if (prefix != null && key != null) {
            throw new BadRequestException("give prefix or key, not both");
        }
        if (lastEventId != null) {
            long seen = revision(lastEventId.strip(), "Last-Event-ID");
            if (seen == Long.MAX_VALUE) {
                throw new BadRequestException("Last-Event-ID must be a revision (a whole number, 0 or more)");
            }
            from = seen + 1;
        }
        return new WatchQuery(key != null ? WatchedKeys.key(key) : WatchedKeys.prefix(prefix != null ? prefix : new byte[0]),
                from);
    }

    private static long revision(String text, String what) throws BadRequestException {
        if (!text.isEmpty() && text.length() <= 19 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long n = Long.parseLong(text);
            if (n >= 0) {
                return n;
            }
        }
        throw new BadRequestException(what + " must be a revision (a whole number, 0 or more)");
    }

    private static int limit(String uri, int from, int to) throws BadRequestException {
        int limit = 0;
        for (int i = from; i < to; i++) {
            char c = uri.charAt(i);
            if (c < '0' || c > '9' || limit > ListQuery.MAX_LIMIT) {
                limit = -1;
                break;
            }
            limit = limit * 10 + (c - '0');
        }
        if (limit < 1 || limit > ListQuery.MAX_LIMIT) {
            throw new BadRequestException("limit must be a whole number from 1 to " + ListQuery.MAX_LIMIT);
        }
        return limit;
    }

    private static byte[] check(byte[] key) throws BadRequestException {
        if (key.length == 0) {
            throw new BadRequestException("key must not be empty");
        }
        if (key.length > MAX_KEY_BYTES) {
            throw new BadRequestException("key is longer than " + MAX_KEY_BYTES + " bytes");
        }
        return key;
    }

    /**
     * Decodes {@code %XX} escapes into bytes and checks the result is UTF-8. Netty hands the request line
     * over with one char per byte, so a char is taken as the byte it came from.
     */
    private static byte[] percentDecode(String s, int from, int to, boolean plusIsSpace, String what)
            throws BadRequestException {
        byte[] out = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 2 < to ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw new BadRequestException(what + " has an invalid percent-encoding");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out[n++] = ' ';
            } else {
                out[n++] = (byte) c;
            }
        }
        byte[] bytes = n == out.length ? out : Arrays.copyOf(out, n);
        if (!Utf8.isValid(bytes)) {
            throw new BadRequestException(what + " is not valid UTF-8");
        }
        return bytes;
    }
}
