package kvstore.core.wal;

import java.nio.charset.StandardCharsets;

/**
 * The write-ahead log format, written down once.
 *
 * <p>The log is UTF-8 text, one compact JSON object per line, each ended by {@code \n}:
 * <pre>
 * {"op":"set","key":"k","value":&lt;json&gt;,"ttl":1.5,"timestamp":1764113823.123,"crc":"1a2b3c4d"}
 * {"op":"delete","key":"k","timestamp":1764113823.123,"crc":"1a2b3c4d"}
 * {"op":"begin","count":2,"timestamp":1764113823.123,"crc":"1a2b3c4d"}   first line of a batch
 * {"op":"commit","count":2,"timestamp":1764113823.123,"crc":"1a2b3c4d"}  last line of a batch
 * </pre>
 * <ul>
 * <li>{@code timestamp} is the write's wall-clock time in epoch seconds (milliseconds as a fraction);
 * {@code ttl} is in seconds and absent when the key never expires. The key expires at
 * {@code timestamp + ttl}, so a TTL keeps running while the server is down.</li>
 * <li>{@code crc} is the CRC-32C of the line without its {@code ,"crc":"…"} member, as 8 lowercase hex
 * digits; it is always the last member. Lines without it (written by other implementations of the API)
 * are accepted unchecked.</li>
 * <li>A batch of several writes sits between a {@code begin} and a {@code commit} line that both carry the
 * number of writes; replay applies the writes only once it has read the commit.</li>
 * <li>A damaged last line is a torn write and is cut off; a damaged line anywhere else stops the start.</li>
 * </ul>
 */
public final class WalFormat {
    /** The log's file name inside the data directory. */
    public static final String FILE_NAME = "wal.log";
    /** Where compaction writes the next log before renaming it over {@link #FILE_NAME}. */
    public static final String COMPACT_FILE_NAME = "wal.log.compact";

    static final byte[] CRC_MEMBER = ascii(",\"crc\":\"");
    /** Length of {@code ,"crc":"xxxxxxxx"}} at the end of a checksummed line (newline excluded). */
    static final int CRC_SUFFIX_LENGTH = CRC_MEMBER.length + 8 + 2;

    /* How the encoder lays out a line's members; replay's fast path (CanonicalLine) reads exactly these. */
    static final byte[] SET_START = ascii("{\"op\":\"set\",\"key\":");
    static final byte[] DELETE_START = ascii("{\"op\":\"delete\",\"key\":");
    static final byte[] VALUE_MEMBER = ascii(",\"value\":");
    static final byte[] TTL_MEMBER = ascii(",\"ttl\":");
    static final byte[] TIMESTAMP_MEMBER = ascii(",\"timestamp\":");

    static final String OP_SET = "set";
    static final String OP_DELETE = "delete";
    static final String OP_BEGIN = "begin";
    static final String OP_COMMIT = "commit";

    private WalFormat() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
