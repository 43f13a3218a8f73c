package kvstore.core.wal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import kvstore.core.json.CompactJson;
import kvstore.core.json.JsonStrings;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;

import java.io.IOException;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static kvstore.core.wal.WalFormat.CREATE_REVISION_MEMBER;
import static kvstore.core.wal.WalFormat.DELETE_START;
import static kvstore.core.wal.WalFormat.EXPIRE_START;
import static kvstore.core.wal.WalFormat.REVISION_MEMBER;
import static kvstore.core.wal.WalFormat.SET_START;
import static kvstore.core.wal.WalFormat.VERSION_MEMBER;
import static kvstore.core.wal.WalFormat.TIMESTAMP_MEMBER;
import static kvstore.core.wal.WalFormat.TTL_MEMBER;
import static kvstore.core.wal.WalFormat.VALUE_MEMBER;

/**
 * Reads one log line (see {@link WalFormat}), the reading half of the log's codec: checks its checksum where it
 * has one, then takes the fast path for a set, delete or expire laid out exactly as {@link WalEncoder} writes
 * it, and a JSON parser for anything else (batch frames, the version mark, lines of other implementations).
 */
final class WalDecoder {
    /** The revision of a line that carries none (version 1): replay counts it. */
    static final long NO_REVISION = 0;
    /** The timestamp of a line that carries none. */
    static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /**
     * What a line holds: a write ({@code op}), a batch frame (its {@code number} of writes) or the version mark
     * (its {@code number}); its {@code revision} ({@link #NO_REVISION} when it has none) and its timestamp.
     */
    record Line(Kind kind, Op op, int number, long revision, long timestampMillis) {
        enum Kind { WRITE, BEGIN, COMMIT, VERSION }
    }

    /** Thrown for a line that cannot be trusted: bad checksum, not JSON, or not a record. */
    static final class BadLineException extends Exception {
        BadLineException(String reason) {
            super(reason, null, false, false);
        }
    }

    private WalDecoder() {
    }

    /** Reads the line in {@code buf[off, off + len)}, newline excluded. */
    static Line parse(byte[] buf, int off, int len, CRC32C crc) throws BadLineException {
        int crcAt = verifyChecksum(buf, off, len, crc);
        if (crcAt >= 0) {
            Line line = parseCanonical(buf, off, crcAt);
            if (line != null) {
                return line;
            }
        }
        return parseJson(buf, off, len);
    }

    /**
     * The fast path: the set, delete or expire on {@code buf[off, end)}, where {@code end} is where the
     * {@code ,"crc"} member starts, read without a JSON parser (replay spends most of its time on such lines);
     * null when the line is not laid out as the encoder writes it. Only for lines whose checksum has been
     * verified. The key is taken when it needs no unescaping; the members after the value are numbers, read from
     * the end of the line back (a snapshot's figures, the revision, the timestamp, the ttl); the value is
     * everything between {@code "value":} and them: numbers hold no quotes, so valid JSON cannot be confused
     * with a trailing {@code ,"ttl":N}.
     */
    static Line parseCanonical(byte[] buf, int off, int end) {
        boolean set = startsWith(buf, off, end, SET_START);
        boolean expire = !set && startsWith(buf, off, end, EXPIRE_START);
        if (!set && !expire && !startsWith(buf, off, end, DELETE_START)) {
            return null;
        }
        int keyQuote = off + (set ? SET_START.length : expire ? EXPIRE_START.length : DELETE_START.length);
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
        int tail = end;
        long version = 0;
        long createRevision = 0;
        int at = memberBefore(buf, keyEnd + 1, tail, VERSION_MEMBER);
        if (at >= 0) {
            version = WalFormat.wholeNumber(buf, at + VERSION_MEMBER.length, tail);
            tail = at;
            at = memberBefore(buf, keyEnd + 1, tail, CREATE_REVISION_MEMBER);
            if (at < 0 || version <= 0) {
                return null;
            }
            createRevision = WalFormat.wholeNumber(buf, at + CREATE_REVISION_MEMBER.length, tail);
            tail = at;
        }
        long revision = NO_REVISION;
        at = memberBefore(buf, keyEnd + 1, tail, REVISION_MEMBER);
        if (at >= 0) {
            revision = WalFormat.wholeNumber(buf, at + REVISION_MEMBER.length, tail);
            tail = at;
        } else if (version > 0) {
            return null;
        }
        int timestampAt = memberBefore(buf, keyEnd + 1, tail, TIMESTAMP_MEMBER);
        long timestamp = timestampAt < 0 ? Long.MIN_VALUE
                : WalFormat.millis(buf, timestampAt + TIMESTAMP_MEMBER.length, tail);
        if (timestamp == Long.MIN_VALUE || revision < 0 || createRevision < 0) {
            return null;
        }
        if (!set) {
            return timestampAt == keyEnd + 1 && version == 0
                    ? new Line(Line.Kind.WRITE, expire ? new Op.Expire(key) : new Op.Delete(key), 0, revision, timestamp)
                    : null;
        }
        int valueStart = keyEnd + 1 + VALUE_MEMBER.length;
        if (!startsWith(buf, keyEnd + 1, end, VALUE_MEMBER)) {
            return null;
        }
        int valueEnd = timestampAt;
        long deadline = Entry.NEVER;
        int ttlAt = memberBefore(buf, valueStart, timestampAt, TTL_MEMBER);
        if (ttlAt >= 0) {
            long ttl = WalFormat.millis(buf, ttlAt + TTL_MEMBER.length, timestampAt);
            if (ttl == Long.MIN_VALUE) {
                return null;
            }
            deadline = timestamp + ttl;
            valueEnd = ttlAt;
        }
        if (valueEnd <= valueStart) {
            return null;
        }
        byte[] value = Arrays.copyOfRange(buf, valueStart, valueEnd);
        Op write = version > 0 ? new Op.Restore(Entry.of(key, value, deadline, createRevision, revision, version))
                : new Op.Set(key, value, deadline);
        return new Line(Line.Kind.WRITE, write, 0, revision, timestamp);
    }

    private static Line parseJson(byte[] buf, int off, int len) throws BadLineException {
        try (JsonParser p = CompactJson.FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadLineException("not a JSON object");
            }
            String op = null;
            byte[] key = null;
            byte[] value = null;
            double ttl = Double.NaN;
            double timestamp = Double.NaN;
            int count = -1;
            long[] figures = {NO_REVISION, 0, 0}; // revision, create_revision, version
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                switch (name) {
                    case "op" -> op = token == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "key" -> key = token == JsonToken.VALUE_STRING ? JsonStrings.utf8OrNull(p.getText()) : null;
                    case "value" -> value = CompactJson.copyValue(p, buf, off);
                    case "ttl" -> ttl = token.isNumeric() ? p.getDoubleValue() : Double.NaN;
                    case "timestamp" -> timestamp = token.isNumeric() ? p.getDoubleValue() : Double.NaN;
                    case "count" -> count = token == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "revision" -> figures[0] = wholeNumber(p, token);
                    case "create_revision" -> figures[1] = wholeNumber(p, token);
                    case "version" -> figures[2] = wholeNumber(p, token);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BadLineException("not a single JSON object");
            }
            return build(op, key, value, ttl, timestamp, count, figures);
        } catch (IOException e) {
            throw new BadLineException("not valid JSON");
        }
    }

    /** A revision or version member: a whole number of at least 0; -1 for anything else. */
    private static long wholeNumber(JsonParser p, JsonToken token) throws IOException {
        return token == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                ? Math.max(-1, p.getLongValue()) : -1;
    }

    private static Line build(String op, byte[] key, byte[] value, double ttl, double timestamp, int count,
                              long[] figures) throws BadLineException {
        if (op == null) {
            throw new BadLineException("no \"op\"");
        }
        long revision = figures[0];
        long version = figures[2];
        long at = Double.isNaN(timestamp) ? NO_TIMESTAMP : WalFormat.millis(timestamp);
        if (revision < 0 || figures[1] < 0 || (version != 0 && !op.equals(WalFormat.OP_FORMAT) && revision == 0)) {
            throw new BadLineException("bad \"revision\", \"create_revision\" or \"version\"");
        }
        switch (op) {
            case WalFormat.OP_SET -> {
                requireKey(key);
                if (value == null) {
                    throw new BadLineException("set without \"value\"");
                }
                if (version < 0) {
                    throw new BadLineException("bad \"version\"");
                }
                long deadline = deadline(timestamp, ttl);
                Op write = version > 0 ? new Op.Restore(Entry.of(key, value, deadline, figures[1], revision, version))
                        : new Op.Set(key, value, deadline);
                return new Line(Line.Kind.WRITE, write, 0, revision, at);
            }
            case WalFormat.OP_DELETE, WalFormat.OP_EXPIRE -> {
                requireKey(key);
                Op write = op.equals(WalFormat.OP_DELETE) ? new Op.Delete(key) : new Op.Expire(key);
                return new Line(Line.Kind.WRITE, write, 0, revision, at);
            }
            case WalFormat.OP_BEGIN, WalFormat.OP_COMMIT -> {
                if (count < 2) {
                    throw new BadLineException("batch frame without a valid \"count\"");
                }
                return new Line(op.equals(WalFormat.OP_BEGIN) ? Line.Kind.BEGIN : Line.Kind.COMMIT, null, count,
                        revision, at);
            }
            case WalFormat.OP_FORMAT -> {
                if (version < 1 || version > Integer.MAX_VALUE) {
                    throw new BadLineException("version mark without a valid \"version\"");
                }
                return new Line(Line.Kind.VERSION, null, (int) version, revision, at);
            }
            default -> throw new BadLineException("unknown op \"" + op + "\"");
        }
    }

    private static void requireKey(byte[] key) throws BadLineException {
        if (key == null || key.length == 0) {
            throw new BadLineException("no valid \"key\"");
        }
    }

    /** {@code timestamp + ttl} in epoch ms; a missing or null ttl never expires. */
    private static long deadline(double timestampSeconds, double ttlSeconds) throws BadLineException {
        if (Double.isNaN(ttlSeconds)) {
            return Entry.NEVER;
        }
        if (Double.isNaN(timestampSeconds)) {
            throw new BadLineException("ttl without \"timestamp\"");
        }
        return Entry.deadline(WalFormat.millis(timestampSeconds), ttlSeconds);
    }

    /** Checks the line's checksum; returns where its crc member starts, or -1 when it has none. */
    private static int verifyChecksum(byte[] buf, int off, int len, CRC32C crc) throws BadLineException {
        int memberAt = off + len - WalFormat.CRC_SUFFIX_LENGTH;
        if (len < WalFormat.CRC_SUFFIX_LENGTH + 2 || !startsWith(buf, memberAt, off + len, WalFormat.CRC_MEMBER)
                || buf[off + len - 1] != '}') {
            return -1;
        }
        int expected = 0;
        for (int i = memberAt + WalFormat.CRC_MEMBER.length, end = i + 8; i < end; i++) {
            int digit = Character.digit(buf[i], 16);
            if (digit < 0) {
                throw new BadLineException("malformed checksum");
            }
            expected = (expected << 4) | digit;
        }
        crc.reset();
        crc.update(buf, off, memberAt - off);
        crc.update('}');
        if ((int) crc.getValue() != expected) {
            throw new BadLineException("checksum mismatch");
        }
        return memberAt;
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

    private static boolean isNumberChar(byte b) {
        return (b >= '0' && b <= '9') || b == '.' || b == '-' || b == '+' || b == 'e' || b == 'E';
    }

    private static boolean startsWith(byte[] buf, int at, int end, byte[] prefix) {
        return end - at >= prefix.length && Arrays.equals(buf, at, at + prefix.length, prefix, 0, prefix.length);
    }
}
