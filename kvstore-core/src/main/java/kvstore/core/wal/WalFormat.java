package kvstore.core.wal;

import java.nio.charset.StandardCharsets;

/**
 * The write-ahead log format, written down once: its lines, its checksum, its version mark, where revisions go,
 * how times are written, and which bytes count as padding. {@link WalEncoder} writes it and {@link WalDecoder}
 * reads it.
 *
 * <p>The log is UTF-8 text, one compact JSON object per line, each ended by {@code \n}. Version 2:
 * <pre>
 * {"op":"format","version":2,"revision":0,"crc":"1a2b3c4d"}                 first line of a log kvstore made
 * {"op":"set","key":"k","value":&lt;json&gt;,"ttl":1.5,"timestamp":1764113823.123,"revision":7,"crc":"1a2b3c4d"}
 * {"op":"delete","key":"k","timestamp":1764113823.123,"revision":8,"crc":"1a2b3c4d"}
 * {"op":"expire","key":"k","timestamp":1764113823.123,"revision":9,"crc":"1a2b3c4d"}
 * {"op":"begin","count":2,"timestamp":1764113823.123,"revision":10,"crc":"1a2b3c4d"}   first line of a batch
 * {"op":"set","key":"a","value":1,"timestamp":1764113823.123,"crc":"1a2b3c4d"}         its writes: no revision
 * {"op":"delete","key":"b","timestamp":1764113823.123,"crc":"1a2b3c4d"}
 * {"op":"commit","count":2,"timestamp":1764113823.123,"crc":"1a2b3c4d"}                last line of a batch
 * {"op":"set","key":"k","value":1,"timestamp":1764113823.123,"revision":7,"create_revision":3,"version":2,"crc":"1a2b3c4d"}
 * </pre>
 * <ul>
 * <li>{@code timestamp} is the write's wall-clock time in epoch seconds (milliseconds as a fraction);
 * {@code ttl} is in seconds and absent when the key never expires. The key expires at
 * {@code timestamp + ttl}, so a TTL keeps running while the server is down.</li>
 * <li>{@code revision} is the store's revision the change made: every single write (set, delete, and
 * {@code expire}, a key whose TTL ran out) carries its own, a batch carries one on its {@code begin} line and
 * its writes share it. The log worker assigns it as it writes the line, after the rest of the line was encoded
 * on the thread that took the request. Revisions grow by one per change in log order, except across a version
 * mark, which may raise them.</li>
 * <li>A compacted log, a backup or a cluster snapshot holds one {@code set} per key, as it stood: its
 * {@code revision} is the key's mod revision, and {@code create_revision} and {@code version} follow it (the
 * last line above). Replay keeps these figures as they are.</li>
 * <li>{@code crc} is the CRC-32C of the line without its {@code ,"crc":"…"} member, as 8 lowercase hex
 * digits; it is always the last member. Lines without it (written by other implementations of the API)
 * are accepted unchecked.</li>
 * <li>A batch of several writes sits between a {@code begin} and a {@code commit} line that both carry the
 * number of writes; replay applies the writes only once it has read the commit.</li>
 * <li>The version mark carries the store's revision where the log starts: a compacted log starts at the
 * revision its snapshot began at, so revisions of deletes and expiries that left no key survive compaction. A
 * log without a mark (written by an earlier kvstore or by another implementation of the API) is version 1, and
 * a version 1 log carries no revisions: replay counts them in log order, one per change. A mark may also come
 * later in a log, where the lines after it are of a newer version (a version 1 log that this kvstore went on
 * writing) or where {@code --repair} raised the revision past the lines it cut; any other mark after the first
 * line is damage. A log of a newer version than {@link #VERSION} is refused rather than misread.</li>
 * <li>A damaged last line is a torn write and is cut off; a damaged line anywhere else stops the start.
 * Blank lines are skipped; NUL bytes and white space after the last line are padding (a zero-filled
 * tail after power loss) and are cut off.</li>
 * </ul>
 */
public final class WalFormat {
    /** The log's file name inside the data directory. */
    public static final String FILE_NAME = "wal.log";
    /** Where compaction writes the next log before renaming it over {@link #FILE_NAME}. */
    public static final String COMPACT_FILE_NAME = "wal.log.compact";
    /** The newest format version this kvstore writes and reads. */
    public static final int VERSION = 2;

    static final byte[] CRC_MEMBER = ascii(",\"crc\":\"");
    /** Length of {@code ,"crc":"xxxxxxxx"}} at the end of a checksummed line (newline excluded). */
    static final int CRC_SUFFIX_LENGTH = CRC_MEMBER.length + 8 + 2;

    /* How the encoder lays out a line's members; the decoder's fast path reads exactly these. */
    static final byte[] FORMAT_START = ascii("{\"op\":\"format\",\"version\":");
    static final byte[] SET_START = ascii("{\"op\":\"set\",\"key\":");
    static final byte[] DELETE_START = ascii("{\"op\":\"delete\",\"key\":");
    static final byte[] EXPIRE_START = ascii("{\"op\":\"expire\",\"key\":");
    static final byte[] BEGIN_START = ascii("{\"op\":\"begin\",\"count\":");
    static final byte[] COMMIT_START = ascii("{\"op\":\"commit\",\"count\":");
    static final byte[] VALUE_MEMBER = ascii(",\"value\":");
    static final byte[] TTL_MEMBER = ascii(",\"ttl\":");
    static final byte[] TIMESTAMP_MEMBER = ascii(",\"timestamp\":");
    static final byte[] REVISION_MEMBER = ascii(",\"revision\":");
    static final byte[] CREATE_REVISION_MEMBER = ascii(",\"create_revision\":");
    static final byte[] VERSION_MEMBER = ascii(",\"version\":");


    static final String OP_FORMAT = "format";
    static final String OP_SET = "set";
    static final String OP_DELETE = "delete";
    static final String OP_EXPIRE = "expire";
    static final String OP_BEGIN = "begin";
    static final String OP_COMMIT = "commit";

    /** The most fraction digits a time carries: milliseconds. */
    private static final int FRACTION_DIGITS = 3;
    /** Whole-second digits read without overflow; a longer number is left to the full parser. */
    private static final int MAX_WHOLE_DIGITS = 15;

    private WalFormat() {
    }

    /** Epoch or duration seconds read as a JSON double, in milliseconds (rounded to the nearest). */
    static long millis(double seconds) {
        return (long) Math.rint(seconds * 1000);
    }

    /**
     * The decimal seconds in {@code buf[from, to)} (at most three decimals, no exponent) in milliseconds, as
     * the encoder writes them; {@link Long#MIN_VALUE} for anything else.
     */
    static long millis(byte[] buf, int from, int to) {
        long whole = 0;
        int i = from;
        boolean negative = i < to && buf[i] == '-';
        if (negative) {
            i++;
        }
        int digits = 0;
        while (i < to && isDigit(buf[i]) && digits < MAX_WHOLE_DIGITS) {
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
            while (i < to && isDigit(buf[i]) && places < FRACTION_DIGITS) {
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
        for (; places < FRACTION_DIGITS; places++) {
            fraction *= 10;
        }
        long ms = whole * 1000 + fraction;
        return negative ? -ms : ms;
    }

    /**
     * The non-negative whole number in {@code buf[from, to)}, as the encoder writes revisions and versions;
     * -1 for anything else (a sign, a fraction, an exponent, more digits than a long holds).
     */
    static long wholeNumber(byte[] buf, int from, int to) {
        if (from >= to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(buf[i])) {
                return -1;
            }
            n = n * 10 + (buf[i] - '0');
        }
        return n;
    }

    /** Whether {@code b} may follow the last line as padding: a NUL (zero-filled tail) or white space. */
    static boolean isPadding(byte b) {
        return b == 0 || b == '\n' || isBlank(b);
    }

    /** Whether {@code buf[from, to)} is a blank line (white space only, a CR included). */
    static boolean isBlank(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!isBlank(buf[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
