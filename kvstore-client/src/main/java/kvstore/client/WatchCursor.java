package kvstore.client;

import java.util.HashSet;
import java.util.Set;

/**
 * Where a watch stands, so that no event is delivered twice or out of order across reconnections. The server
 * sends changes in revision order, a batch's changes (one revision, one event per key) together; a connection can
 * drop in the middle of a batch. So the cursor keeps the revision below which everything was delivered
 * ({@link #complete()}), plus the keys already delivered at the latest revision: a reconnection asks again from
 * {@code complete() + 1} (with {@code Last-Event-ID: complete()}) and drops what it sees again. Used by the watch's
 * thread only.
 */
final class WatchCursor {
    private long complete;
    private long latest;
    private final Set<String> keysAtLatest = new HashSet<>();

    /** A cursor for a watch whose first wanted revision is {@code from}. */
    WatchCursor(long from) {
        this.complete = from - 1;
        this.latest = from - 1;
    }

    /** Every change up to this revision has been delivered. */
    long complete() {
        return complete;
    }

    /** Whether the change of {@code key} at {@code revision} is new: true once per change, in order. */
    boolean accept(long revision, String key) {
        if (revision <= complete || revision < latest) {
            return false;
        }
        if (revision > latest) {
            // the server finished the latest revision before starting this one
            complete = latest;
            latest = revision;
            keysAtLatest.clear();
        }
        return keysAtLatest.add(key);
    }

    /** The server says every change up to {@code revision} has been sent. */
    void progress(long revision) {
        if (revision > complete) {
            complete = revision;
            if (revision >= latest) {
                latest = revision;
                keysAtLatest.clear();
            }
        }
    }
}
