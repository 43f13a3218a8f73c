package kvstore.core.wal;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;

import java.util.Arrays;

import static kvstore.core.wal.WalFormat.DELETE_START;
import static kvstore.core.wal.WalFormat.SET_START;
import static kvstore.core.wal.WalFormat.TIMESTAMP_MEMBER;
import static kvstore.core.wal.WalFormat.TTL_MEMBER;
import static kvstore.core.wal.WalFormat.VALUE_MEMBER;

/**
 * Reads a set or delete line laid out exactly as {@link WalEncoder} writes it, without a JSON parser:
 * replay spends most of its time on lines like these, and a general parser costs several times more.
 *
 * <p>Only for lines whose checksum has been verified, so their bytes are the encoder's. The key is taken
 * when it needs no unescaping; the value is everything between {@code "value":} and the members after it,
 * found from the end of the line: the line ends {@code [,"ttl":N],"timestamp":N,"crc":"…"}} and numbers
 * hold no quotes, so the value (valid JSON, which never ends in {@code ,"ttl":N}) cannot be confused with
 * them. Anything unexpected returns null, and the caller parses the line in full.
 */
final class CanonicalLine {

    private CanonicalLine() {
    }

    /**
     * The write on {@code buf[off, end)}, where {@code end} is where the {@code ,"crc"} member starts; or null
     * when the line is not laid out as expected.
     */
    static Op parse(byte[] buf, int off, int end) {
        boolean set = startsWith(buf, off, end, SET_START);
        if (!set && !startsWith(buf, off, end, DELETE_START)) {
            return null;
        }
        int keyQuote = off + (set ? SET_START.length : DELETE_START.length);
        if (keyQuote >= end || buf[keyQuote] != '"') {
            return null;
        }
        int keyStart = keyQuote + 1;
        int keyEnd = keyStart;
        while (keyEnd < end && buf[keyEnd] != '"') {
            if (buf[keyEnd] == '\\') {
                return null;
            }
            keyEnd++;
        }
        if (keyEnd == keyStart || keyEnd >= end) {
            return null;
        }
        byte[] key = Arrays.copyOfRange(buf, keyStart, keyEnd);
        int timestampAt = memberBefore(buf, keyEnd + 1, end, TIMESTAMP_MEMBER);
        if (timestampAt < 0) {
            return null;
        }
        long timestamp = millis(buf, timestampAt + TIMESTAMP_MEMBER.length, end);
        if (timestamp == Long.MIN_VALUE) {
            return null;
        }
        if (!set) {
            return timestampAt == keyEnd + 1 ? new Op.Delete(key) : null;
        }
        int valueStart = keyEnd + 1 + VALUE_MEMBER.length;
        if (!startsWith(buf, keyEnd + 1, end, VALUE_MEMBER)) {
            return null;
        }
        int valueEnd = timestampAt;
        long deadline = Entry.NEVER;
        int ttlAt = memberBefore(buf, valueStart, timestampAt, TTL_MEMBER);
        if (ttlAt >= 0) {
            long ttl = millis(buf, ttlAt + TTL_MEMBER.length, timestampAt);
            if (ttl == Long.MIN_VALUE) {
                return null;
            }
            deadline = timestamp + ttl;
            valueEnd = ttlAt;
        }
        if (valueEnd <= valueStart) {
            return null;
        }
        return new Op.Set(key, Arrays.copyOfRange(buf, valueStart, valueEnd), deadline);
    }

    /**
     * Where a member {@code name} holding a number starts, if that member ends at {@code end}: scans back
     * over the number's characters and checks that {@code name} precedes them. -1 when it does not.
     */
    private static int memberBefore(byte[] buf, int from, int end, byte[] name) {
        int i = end;
        while (i > from && isNumberChar(buf[i - 1])) {
            i--;
        }
        int at = i - name.length;
        if (i == end || at < from || !startsWith(buf, at, end, name)) {
            return -1;
        }
        return at;
    }

    /** The decimal seconds in {@code buf[from, to)} as milliseconds (at most 3 decimals); MIN_VALUE otherwise. */
    private static long millis(byte[] buf, int from, int to) {
        long whole = 0;
        int i = from;
        boolean negative = i < to && buf[i] == '-';
        if (negative) {
            i++;
        }
        int digits = 0;
        while (i < to && buf[i] >= '0' && buf[i] <= '9' && digits < 15) {
            whole = whole * 10 + (buf[i++] - '0');
            digits++;
        }
        if (digits == 0) {
            return Long.MIN_VALUE;
        }
        long fraction = 0;
        int places = 0;
        if (i < to && buf[i] == '.') {
            i++;
            while (i < to && buf[i] >= '0' && buf[i] <= '9' && places < 3) {
                fraction = fraction * 10 + (buf[i++] - '0');
                places++;
            }
            if (places == 0) {
                return Long.MIN_VALUE;
            }
        }
        if (i != to) {
            return Long.MIN_VALUE;
        }
        for (; places < 3; places++) {
            fraction *= 10;
        }
        long ms = whole * 1000 + fraction;
        return negative ? -ms : ms;
    }

    private static boolean isNumberChar(byte b) {
        return (b >= '0' && b <= '9') || b == '.' || b == '-' || b == '+' || b == 'e' || b == 'E';
    }

    private static boolean startsWith(byte[] buf, int at, int end, byte[] prefix) {
        return end - at >= prefix.length && Arrays.equals(buf, at, at + prefix.length, prefix, 0, prefix.length);
    }

}
