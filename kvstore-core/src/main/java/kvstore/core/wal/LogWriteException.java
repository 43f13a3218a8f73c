package kvstore.core.wal;

import kvstore.core.WriteFailedException;

import java.io.IOException;

/**
 * A write was not acknowledged: the log could not take it (disk full, I/O error, a failed fsync) or is shut
 * down. Its message, meant for the client, says whether anything of it can still be in the log: nothing
 * after a failed write (the log is cut back so it stays replayable), maybe after a failed fsync.
 */
public final class LogWriteException extends IOException {
    private final boolean shutdown;

    LogWriteException(String message, Throwable cause, boolean shutdown) {
        super(message, cause);
        this.shutdown = shutdown;
    }

    /** True when the log is closing or closed, rather than out of space or failing. */
    public boolean isShutdown() {
        return shutdown;
    }

    /** The same failure in the engine's terms. */
    public WriteFailedException toWriteFailure() {
        return new WriteFailedException(shutdown ? WriteFailedException.Reason.SHUTTING_DOWN
                : WriteFailedException.Reason.NOT_STORED, getMessage(), getCause());
    }
}
