package kvstore.core;

import java.util.Locale;

/** When the WAL writer forces the log to disk, and so what an acknowledgement promises. */
public enum FsyncPolicy {
    /** Force each group of writes, then acknowledge it: an acknowledged write survives power loss. */
    ALWAYS,
    /** Acknowledge once the write reached the OS and force at least once a second: a crash of the process
     * loses nothing, power loss at most about a second. */
    EVERYSEC,
    /** Acknowledge once the write reached the OS and leave flushing to it. */
    NEVER;

    /** The policy named {@code name} as on the command line ({@code always}, {@code everysec}, {@code never}). */
    public static FsyncPolicy parse(String name) {
        for (FsyncPolicy p : values()) {
            if (p.label().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown fsync policy '" + name + "' (expected always, everysec or never)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
