package kvstore.core.wal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import kvstore.core.json.CompactJson;
import kvstore.core.json.JsonStrings;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;

import java.io.IOException;
import java.util.zip.CRC32C;

/**
 * One parsed log line: a write ({@link #op}), or the begin or commit line of a batch ({@link #count}).
 * {@link #parse} checks the checksum where the line has one.
 */
record WalRecord(Kind kind, Op op, int count) {
    enum Kind { WRITE, BEGIN, COMMIT }

    /** Thrown for a line that cannot be trusted: bad checksum, not JSON, or not a record. */
    static final class BadLineException extends Exception {
        BadLineException(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Parses the line in {@code buf[off, off + len)}, newline excluded. */
    static WalRecord parse(byte[] buf, int off, int len, CRC32C crc) throws BadLineException {
        int crcAt = verifyChecksum(buf, off, len, crc);
        if (crcAt >= 0) {
            Op op = CanonicalLine.parse(buf, off, crcAt);
            if (op != null) {
                return new WalRecord(Kind.WRITE, op, 0);
            }
        }
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
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BadLineException("not a single JSON object");
            }
            return build(op, key, value, ttl, timestamp, count);
        } catch (IOException e) {
            throw new BadLineException("not valid JSON");
        }
    }

    private static WalRecord build(String op, byte[] key, byte[] value, double ttl, double timestamp, int count)
            throws BadLineException {
        if (op == null) {
            throw new BadLineException("no \"op\"");
        }
        switch (op) {
            case WalFormat.OP_SET -> {
                requireKey(key);
                if (value == null) {
                    throw new BadLineException("set without \"value\"");
                }
                return new WalRecord(Kind.WRITE, new Op.Set(key, value, deadline(timestamp, ttl)), 0);
            }
            case WalFormat.OP_DELETE -> {
                requireKey(key);
                return new WalRecord(Kind.WRITE, new Op.Delete(key), 0);
            }
            case WalFormat.OP_BEGIN, WalFormat.OP_COMMIT -> {
                if (count < 2) {
                    throw new BadLineException("batch frame without a valid \"count\"");
                }
                return new WalRecord(op.equals(WalFormat.OP_BEGIN) ? Kind.BEGIN : Kind.COMMIT, null, count);
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
        double deadline = Math.rint(timestampSeconds * 1000) + Math.rint(ttlSeconds * 1000);
        return deadline >= Entry.NEVER ? Entry.NEVER - 1 : (long) deadline;
    }

    /** Checks the line's checksum; returns where its crc member starts, or -1 when it has none. */
    private static int verifyChecksum(byte[] buf, int off, int len, CRC32C crc) throws BadLineException {
        int suffix = WalFormat.CRC_SUFFIX_LENGTH;
        int memberAt = off + len - suffix;
        if (len < suffix + 2 || !regionEquals(buf, memberAt, WalFormat.CRC_MEMBER) || buf[off + len - 1] != '}') {
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

    private static boolean regionEquals(byte[] buf, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (buf[at + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
