package kvstore.core.watch;

import kvstore.core.store.Change;

/**
 * How a watcher's events are written for its client: the HTTP layer writes Server-Sent Events. Each method
 * returns one whole event; the hub never looks inside.
 *
 * <p>Threads: called on the watchers' threads (the HTTP event loops), never on the applying thread; a change's
 * event is made once and shared by every watcher that sends it.
 */
public interface EventFormat {
    /** The event of one change, made at {@code nowMillis} (the time a TTL's seconds left are counted from). */
    byte[] change(Change change, long nowMillis);

    /** Nothing matched for a while: every change up to {@code revision} has been seen. */
    byte[] progress(long revision);

    /** The last event of a stream that ended, and why; {@code delivered} is the last revision delivered whole. */
    byte[] end(WatchEnd why, long delivered);
}
