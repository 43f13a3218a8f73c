package kvstore.client;

import java.nio.charset.StandardCharsets;

/**
 * Keys and parameters as they go into a URL: every UTF-8 byte but the unreserved ASCII letters, digits and
 * {@code - . _ ~} percent-encoded, so a key with {@code /}, {@code +}, {@code ?}, {@code %} or any other character
 * reaches the server as one path segment, and the server decodes it back exactly (path decoding: {@code +} is a
 * plus, never a space).
 */
final class UrlText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UrlText() {
    }

    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** {@code /kv/<key>}, the key encoded. */
    static String keyPath(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a key is a non-empty string");
        }
        // "." and ".." would be dot-segments that a URL library or proxy may resolve away
        String segment = key.equals(".") ? "%2E" : key.equals("..") ? "%2E%2E" : encode(key);
        return "/kv/" + segment;
    }
}
