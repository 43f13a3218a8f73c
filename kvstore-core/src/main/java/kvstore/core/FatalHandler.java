package kvstore.core;

import java.io.IOException;

/** Told when the log can no longer be trusted (a failed fsync); expected to stop the process at once. */
@FunctionalInterface
public interface FatalHandler {
    /** Ignores the failure: for tests that check what the engine itself does after one. */
    FatalHandler IGNORE = (message, cause) -> { };

    void fatal(String message, IOException cause);
}
