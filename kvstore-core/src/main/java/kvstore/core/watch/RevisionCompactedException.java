package kvstore.core.watch;

/** A watch asked for changes older than the history holds; {@link #compactRevision} is the oldest it still has. */
public final class RevisionCompactedException extends Exception {
    private final long compactRevision;

    public RevisionCompactedException(long compactRevision) {
        super("revision compacted", null, false, false);
        this.compactRevision = compactRevision;
    }

    /** The oldest revision whose changes are all still held: a watch from it or later can be opened. */
    public long compactRevision() {
        return compactRevision;
    }
}
