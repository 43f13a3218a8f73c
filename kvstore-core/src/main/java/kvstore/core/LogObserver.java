package kvstore.core;

/**
 * Told what the log and the store's expiry did, so that a server can export figures (the HTTP layer's
 * Prometheus metrics) without kvstore-core knowing about them. Every method has an empty default;
 * {@link #NONE} is the observer of an engine nobody watches.
 *
 * <p>Calls come once per group of writes, never once per write, and carry only primitives, so observing
 * allocates nothing. An implementation must return quickly and must not throw or block: it runs on the
 * threads named at each method, the log worker's among them.
 */
public interface LogObserver {
    /** Observes nothing. */
    LogObserver NONE = new LogObserver() {
    };

    /** On the opening thread: replay rebuilt the store from {@code records} writes and {@code bytes} of log. */
    default void replayed(long records, long bytes, long nanos) {
    }

    /** On the log worker's thread: a group of {@code writes} submitted writes was appended with one write. */
    default void appended(int writes, long bytes, long nanos) {
    }

    /** On the log worker's thread: the log was fsynced. */
    default void forced(long nanos) {
    }

    /** On the log worker's thread: compaction put a log of {@code bytesAfter} in place of {@code bytesBefore}. */
    default void compacted(long bytesBefore, long bytesAfter, long nanos) {
    }

    /** On the log worker's thread: {@code keys} entries past their deadline were expired, each a change of its own. */
    default void expired(int keys) {
    }
}
