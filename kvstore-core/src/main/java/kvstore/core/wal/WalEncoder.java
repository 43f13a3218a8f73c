package kvstore.core.wal;

import kvstore.core.json.JsonStrings;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;

import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes writes as checksummed log lines (see {@link WalFormat}), the writing half of the log's codec.
 * Not thread-safe: use one per thread, or a new one per call. The submitting threads (the event loops) encode
 * each unit's lines up to its revision ({@link #encodeUnit}); the log worker, which assigns revisions, finishes
 * them ({@link #finish}) with an encoder of its own.
 */
public final class WalEncoder {
    private static final byte[] HEX = WalFormat.ascii("0123456789abcdef");

    private final CRC32C crc = new CRC32C();
    private byte[] buf = new byte[256];
    private int pos;

    /**
     * The log lines for {@code ops} (gets and checks are skipped) written at {@code timestampMillis}, whole and
     * without a revision: one line for a single write, a begin/commit frame around several, nothing when there
     * is no write. A replicated entry carries its writes so; the revision is counted where it is applied.
     */
    public byte[] encode(List<Op> ops, long timestampMillis) {
        pos = 0;
        int writes = lines(ops, timestampMillis);
        if (writes == 1) {
            endLine(0);
        } else if (writes > 1) {
            endLine(0);
            rest(ops, timestampMillis, writes);
        }
        return Arrays.copyOf(buf, pos);
    }

    /**
     * The lines of the unit {@code ops} written at {@code timestampMillis}, all but the end of the first, which
     * waits for the unit's revision (see {@link UnitLines}).
     */
    public UnitLines encodeUnit(List<Op> ops, long timestampMillis) {
        pos = 0;
        int writes = lines(ops, timestampMillis);
        if (writes == 0) {
            return UnitLines.NONE;
        }
        byte[] head = Arrays.copyOf(buf, pos);
        if (writes == 1) {
            return new UnitLines(head, new byte[0]);
        }
        pos = 0;
        rest(ops, timestampMillis, writes);
        return new UnitLines(head, Arrays.copyOf(buf, pos));
    }

    /**
     * The end of a unit's first line {@code head} (from {@link #encodeUnit}) as the change of {@code revision}:
     * its revision member, its checksum (over the head and the revision member) and the close.
     */
    public byte[] finish(byte[] head, long revision) {
        pos = 0;
        put(WalFormat.REVISION_MEMBER);
        putDigits(revision);
        ensure(WalFormat.CRC_SUFFIX_LENGTH + 1);
        buf[pos] = '}';
        crc.reset();
        crc.update(head, 0, head.length);
        crc.update(buf, 0, pos + 1);
        putCrc((int) crc.getValue());
        return Arrays.copyOf(buf, pos);
    }

    /** The line of the expiry of {@code key}, the change of {@code revision}, made at {@code timestampMillis}. */
    public byte[] encodeExpire(byte[] key, long timestampMillis, long revision) {
        pos = 0;
        put(WalFormat.EXPIRE_START);
        putQuoted(key);
        put(WalFormat.TIMESTAMP_MEMBER);
        putSeconds(timestampMillis);
        put(WalFormat.REVISION_MEMBER);
        putDigits(revision);
        endLine(0);
        return Arrays.copyOf(buf, pos);
    }

    /**
     * The set line of {@code entry} as a snapshot holds it, as of {@code timestampMillis}: its value, its
     * remaining TTL and its revision figures. Compaction, backups and cluster snapshots write entries so. An
     * entry already due is written as of its deadline, with no TTL left, so its deadline reads back exact.
     */
    public byte[] encodeEntry(Entry entry, long timestampMillis) {
        pos = 0;
        set(entry.key(), entry, Math.min(timestampMillis, entry.deadlineMillis()));
        put(WalFormat.REVISION_MEMBER);
        putDigits(entry.modRevision());
        put(WalFormat.CREATE_REVISION_MEMBER);
        putDigits(entry.createRevision());
        put(WalFormat.VERSION_MEMBER);
        putDigits(entry.version());
        endLine(0);
        return Arrays.copyOf(buf, pos);
    }

    /** The version mark, the first line of every log kvstore makes, saying the store stood at {@code revision}. */
    public byte[] encodeVersionMark(long revision) {
        pos = 0;
        put(WalFormat.FORMAT_START);
        putDigits(WalFormat.VERSION);
        put(WalFormat.REVISION_MEMBER);
        putDigits(revision);
        endLine(0);
        return Arrays.copyOf(buf, pos);
    }

    /** Writes the first line of {@code ops}, without its end; returns how many writes the unit holds. */
    private int lines(List<Op> ops, long timestampMillis) {
        int writes = 0;
        Op first = null;
        for (Op op : ops) {
            if (op.isWrite()) {
                writes++;
                first = first == null ? op : first;
            }
        }
        if (writes > 1) {
            put(WalFormat.BEGIN_START);
            putDigits(writes);
            put(WalFormat.TIMESTAMP_MEMBER);
            putSeconds(timestampMillis);
        } else if (writes == 1) {
            write(first, timestampMillis);
        }
        return writes;
    }

    /** Writes the whole lines of a batch after its begin line: each write, then the commit. */
    private void rest(List<Op> ops, long timestampMillis, int writes) {
        for (Op op : ops) {
            if (op.isWrite()) {
                int start = pos;
                write(op, timestampMillis);
                endLine(start);
            }
        }
        int start = pos;
        put(WalFormat.COMMIT_START);
        putDigits(writes);
        put(WalFormat.TIMESTAMP_MEMBER);
        putSeconds(timestampMillis);
        endLine(start);
    }

    private void write(Op op, long timestampMillis) {
        if (op instanceof Op.Set set) {
            set(set.key(), set.entry(), timestampMillis);
        } else {
            put(op instanceof Op.Expire ? WalFormat.EXPIRE_START : WalFormat.DELETE_START);
            putQuoted(op.key());
            put(WalFormat.TIMESTAMP_MEMBER);
            putSeconds(timestampMillis);
        }
    }

    private void set(byte[] key, Entry entry, long timestampMillis) {
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
    }

    /** Closes the object: the checksum covers the line as if it ended here with a plain {@code }}. */
    private void endLine(int start) {
        ensure(WalFormat.CRC_SUFFIX_LENGTH + 1);
        buf[pos] = '}';
        crc.reset();
        crc.update(buf, start, pos + 1 - start);
        putCrc((int) crc.getValue());
    }

    /** Writes the checksum member, the close and the newline. */
    private void putCrc(int value) {
        ensure(WalFormat.CRC_SUFFIX_LENGTH + 1);
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
