package kvstore.client;

/**
 * Receives a watch's changes. Its methods are called on the watch's own thread, one at a time, in revision order;
 * a slow listener holds up only its own watch (the server cuts a watcher that falls too far behind, and the watch
 * then resumes where it left off, without losing or repeating an event).
 *
 * <p>A watch ends in one of three ways: {@link Watch#close()} (no call follows), {@link #onCompacted} (the server's
 * history no longer reaches back to the next revision the watch needs) or {@link #onFailed} (the server refused
 * the watch, e.g. {@code 401}). Lost connections, restarts and failovers do not end it: it connects again, to the
 * next endpoint, with backoff, and tells {@link #onReconnecting} about each.
 */
public interface WatchListener {
    /** One change, delivered exactly once, after every change of a lower revision. */
    void onEvent(WatchEvent event);

    /**
     * The watch has ended because the changes it still needed are gone from the server's history (the server
     * answered {@code 410}; {@code compactRevision} is the oldest revision it still has). Events may have been
     * missed: list the prefix again ({@link KvClient#listValues} or {@link KvClient#entries}) and watch from the
     * listing's revision + 1.
     */
    void onCompacted(long compactRevision);

    /** The server has sent every change up to {@code revision} (it says so after a quiet while). */
    default void onProgress(long revision) {
    }

    /** The connection was lost or refused ({@code cause} says how); the watch connects again after a pause. */
    default void onReconnecting(KvException cause) {
    }

    /**
     * The watch has ended for good: the server refused it in a way that trying again cannot mend (a missing or
     * wrong token, a bad prefix, a server without watches), or this listener threw {@code error}'s cause.
     */
    default void onFailed(KvException error) {
    }
}
