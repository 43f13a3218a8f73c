package kvstore.core;

/**
 * A write that was not acknowledged, and why. The message is meant for the client and says whether any of
 * the write can still be in the log.
 */
public final class WriteFailedException extends Exception {
    /** Why a write was refused; the HTTP layer maps each reason to one status. */
    public enum Reason {
        /** The engine is closing or closed; nothing was written. */
        SHUTTING_DOWN,
        /** The log could not store the write (disk full, I/O error) and was cut back; nothing was written. */
        NOT_STORED,
        /** The log has failed for good (a failed fsync, or a failure before this write); the process is stopping. */
        LOG_FAILED,
        /** The write would take the data set over the memory ceiling; nothing was written. */
        MEMORY_LIMIT,
        /** Replication: no leader was reachable in time, so the write was never appended anywhere. */
        NO_QUORUM,
        /** Replication: the write was sent but not confirmed in time; it may still be committed later. */
        OUTCOME_UNKNOWN,
        /** Replication: the write, as the replicated log holds it, is larger than an entry may be; nothing was sent. */
        TOO_LARGE
    }

    private final Reason reason;

    public WriteFailedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
