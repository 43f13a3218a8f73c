package kvstore.core.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The one rule for what counts as UTF-8 in kvstore: well-formed UTF-8 as Unicode defines it (its table 3-7),
 * nothing looser. Overlong forms ({@code C0 AF} for {@code /}), encoded surrogates ({@code ED A0 80}), code
 * points past U+10FFFF, stray continuation bytes and truncated sequences are all refused.
 *
 * <p>JSON parsers are not this strict: Jackson decodes an overlong form into the character it spells, so
 * request bodies and keys are checked here, once, before anything parses them. Checks bytes without decoding
 * them; ASCII is checked eight bytes at a time.
 */
public final class Utf8 {
    private static final VarHandle EIGHT_BYTES = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.nativeOrder());
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    /** Whether all of {@code bytes} is well-formed UTF-8. */
    public static boolean isValid(byte[] bytes) {
        return isValid(bytes, 0, bytes.length);
    }

    /** Whether {@code bytes[from, to)} is well-formed UTF-8. */
    public static boolean isValid(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (bytes[i] < 0) {
                i = afterSequence(bytes, i, to);
                if (i < 0) {
                    return false;
                }
            } else if (to - i >= Long.BYTES && ((long) EIGHT_BYTES.get(bytes, i) & HIGH_BITS) == 0) {
                i += Long.BYTES;
            } else {
                i++;
            }
        }
        return true;
    }

    /** The index after the multi-byte sequence that starts at {@code at}, or -1 when it is not well formed. */
    private static int afterSequence(byte[] bytes, int at, int to) {
        int lead = bytes[at] & 0xFF;
        int continuations;
        // The second byte's range is where overlong forms, surrogates and code points past U+10FFFF are refused.
        int secondMin = 0x80;
        int secondMax = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            continuations = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            continuations = 2;
            if (lead == 0xE0) {
                secondMin = 0xA0;
            } else if (lead == 0xED) {
                secondMax = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            continuations = 3;
            if (lead == 0xF0) {
                secondMin = 0x90;
            } else if (lead == 0xF4) {
                secondMax = 0x8F;
            }
        } else {
            return -1;
        }
        if (at + continuations >= to) {
            return -1;
        }
        int second = bytes[at + 1] & 0xFF;
        if (second < secondMin || second > secondMax) {
            return -1;
        }
        for (int k = 2; k <= continuations; k++) {
            if ((bytes[at + k] & 0xC0) != 0x80) {
                return -1;
            }
        }
        return at + continuations + 1;
    }
}
