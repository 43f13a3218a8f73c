package kvstore.core.json;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Writes UTF-8 text as a JSON string literal, byte for byte.
 *
 * <p>Keys are kept as UTF-8 bytes everywhere, so quoting works on bytes: only {@code "}, {@code \} and
 * control characters need escaping, and every other byte (multi-byte sequences included) is copied as is.
 */
public final class JsonStrings {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private JsonStrings() {
    }

    /** The number of bytes {@link #writeQuoted} writes for {@code utf8}, quotes included. */
    public static int quotedLength(byte[] utf8) {
        int n = 2;
        for (byte b : utf8) {
            n += escapedLength(b);
        }
        return n;
    }

    /** Writes {@code utf8} as a quoted JSON string into {@code out} at {@code pos}; returns the position after it. */
    public static int writeQuoted(byte[] utf8, byte[] out, int pos) {
        out[pos++] = '"';
        for (byte b : utf8) {
            switch (escapedLength(b)) {
                case 1 -> out[pos++] = b;
                case 2 -> {
                    out[pos++] = '\\';
                    out[pos++] = shortEscape(b);
                }
                default -> {
                    out[pos++] = '\\';
                    out[pos++] = 'u';
                    out[pos++] = '0';
                    out[pos++] = '0';
                    out[pos++] = HEX[(b >> 4) & 0xF];
                    out[pos++] = HEX[b & 0xF];
                }
            }
        }
        out[pos++] = '"';
        return pos;
    }

    /** {@code utf8} as a quoted JSON string. */
    public static byte[] quote(byte[] utf8) {
        byte[] out = new byte[quotedLength(utf8)];
        writeQuoted(utf8, out, 0);
        return out;
    }

    /**
     * Encodes {@code text} as UTF-8, or returns null when it holds a lone surrogate (which has no UTF-8 form;
     * a JSON escape of half a surrogate pair can produce one).
     */
    public static byte[] utf8OrNull(String text) {
        try {
            ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(text));
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static int escapedLength(byte b) {
        if (b == '"' || b == '\\') {
            return 2;
        }
        if (b >= 0 && b < 0x20) {
            return shortEscape(b) != 0 ? 2 : 6;
        }
        return 1;
    }

    private static byte shortEscape(byte b) {
        return switch (b) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\t' -> 't';
            case '\b' -> 'b';
            case '\f' -> 'f';
            default -> 0;
        };
    }
}
