package kvstore.core.wal;

/**
 * The log lines of one unit (a single write or a whole batch) as the thread that took the request encodes them:
 * {@code head}, the first line without its end, which the log worker finishes with the unit's revision and the
 * checksum ({@link WalEncoder#finish}); then {@code tail}, the unit's other lines, whole (a batch's writes and its
 * commit). A unit without writes has neither.
 */
public record UnitLines(byte[] head, byte[] tail) {
    static final UnitLines NONE = new UnitLines(new byte[0], new byte[0]);

    /** Whether the unit has a line to log at all. */
    boolean isEmpty() {
        return head.length == 0;
    }
}
