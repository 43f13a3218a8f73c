package kvstore.core.wal;

import kvstore.core.json.JsonStrings;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;

import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes writes as checksummed log lines (see {@link WalFormat}), the writing half of the log's codec.
 * Not thread-safe: use one per thread, or a new one per call; encoding is meant to happen on the
 * submitting threads, off the writer thread.
 */
public final class WalEncoder {
    private static final byte[] HEX = WalFormat.ascii("0123456789abcdef");

    private final CRC32C crc = new CRC32C();
    private byte[] buf = new byte[256];
    private int pos;

    /**
     * The log lines for {@code ops} (gets are skipped) written at {@code timestampMillis}: one line for a
     * single write, a begin/commit frame around several, nothing when there is no write.
     */
    public byte[] encode(List<Op> ops, long timestampMillis) {
        pos = 0;
        int writes = 0;
        for (Op op : ops) {
            if (op.isWrite()) {
                writes++;
            }
        }
        if (writes > 1) {
            frame(WalFormat.BEGIN_START, writes, timestampMillis);
        }
        for (Op op : ops) {
            if (op instanceof Op.Set set) {
                set(set.key(), set.entry(), timestampMillis);
            } else if (op instanceof Op.Delete delete) {
                delete(delete.key(), timestampMillis);
            }
        }
        if (writes > 1) {
            frame(WalFormat.COMMIT_START, writes, timestampMillis);
        }
        return Arrays.copyOf(buf, pos);
    }

    /** One set line of {@code entry} as of {@code timestampMillis}: snapshots write the live entries this way. */
    public byte[] encodeSet(Entry entry, long timestampMillis) {
        pos = 0;
        set(entry.key(), entry, timestampMillis);
        return Arrays.copyOf(buf, pos);
    }

    /** The version mark, the first line of every log kvstore makes. */
    public byte[] encodeVersionMark() {
        pos = 0;
        put(WalFormat.FORMAT_START);
        putDigits(WalFormat.VERSION);
        endLine(0);
        return Arrays.copyOf(buf, pos);
    }

    private void set(byte[] key, Entry entry, long timestampMillis) {
        int start = pos;
        put(WalFormat.SET_START);
        putQuoted(key);
        put(WalFormat.VALUE_MEMBER);
        put(entry.value());
        if (entry.deadlineMillis() != Entry.NEVER) {
            put(WalFormat.TTL_MEMBER);
            putSeconds(Math.max(0, entry.deadlineMillis() - timestampMillis));
        }
        put(WalFormat.TIMESTAMP_MEMBER);
        putSeconds(timestampMillis);
        endLine(start);
    }

    private void delete(byte[] key, long timestampMillis) {
        int start = pos;
        put(WalFormat.DELETE_START);
        putQuoted(key);
        put(WalFormat.TIMESTAMP_MEMBER);
        putSeconds(timestampMillis);
        endLine(start);
    }

    private void frame(byte[] head, int count, long timestampMillis) {
        int start = pos;
        put(head);
        putDigits(count);
        put(WalFormat.TIMESTAMP_MEMBER);
        putSeconds(timestampMillis);
        endLine(start);
    }

    /** Closes the object: the checksum covers the line as if it ended here with a plain {@code }}. */
    private void endLine(int start) {
        ensure(WalFormat.CRC_SUFFIX_LENGTH + 1);
        buf[pos] = '}';
        crc.reset();
        crc.update(buf, start, pos + 1 - start);
        int value = (int) crc.getValue();
        put(WalFormat.CRC_MEMBER);
        for (int shift = 28; shift >= 0; shift -= 4) {
            buf[pos++] = HEX[(value >>> shift) & 0xF];
        }
        buf[pos++] = '"';
        buf[pos++] = '}';
        buf[pos++] = '\n';
    }

    /** Writes epoch or duration milliseconds as decimal seconds: 1500 as 1.5, 1000 as 1, 1 as 0.001. */
    private void putSeconds(long millis) {
        putDigits(millis / 1000);
        int fraction = (int) (millis % 1000);
        if (fraction != 0) {
            ensure(4);
            buf[pos++] = '.';
            int digits = 3;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            for (int i = digits - 1, p = pos; i >= 0; i--) {
                buf[p + i] = (byte) ('0' + fraction % 10);
                fraction /= 10;
            }
            pos += digits;
        }
    }

    /** Writes a non-negative number in decimal, without making a String of it. */
    private void putDigits(long n) {
        int digits = 1;
        for (long rest = n / 10; rest > 0; rest /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = pos + digits - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        pos += digits;
    }

    private void putQuoted(byte[] utf8) {
        ensure(JsonStrings.quotedLength(utf8));
        pos = JsonStrings.writeQuoted(utf8, buf, pos);
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

}
