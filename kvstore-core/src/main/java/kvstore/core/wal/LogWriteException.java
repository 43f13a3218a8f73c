package kvstore.core.wal;

import java.io.IOException;

/**
 * A write was not stored: the log could not take it (disk full, I/O error) or is shut down. Nothing of it
 * was applied or acknowledged, and the log was cut back so it stays replayable.
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
}
