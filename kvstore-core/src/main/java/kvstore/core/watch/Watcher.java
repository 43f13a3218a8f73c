package kvstore.core.watch;

/**
 * One watch: a cursor into the hub's history, the keys it wants, and what it has sent. Its thread (the
 * connection's event loop) calls {@link #send} while its client can take more and {@link #hold} while it cannot;
 * the watcher writes whole revisions (every matching change of one revision together, before any later one),
 * progress events while nothing matches, and, once it is too far behind, one last event that ends the stream.
 *
 * <p>What counts against {@link WatchHub.Settings#bufferBytes}: the bytes written to the output and not yet sent
 * to the client, and the events due but not written yet. The latter are counted only while the output is full
 * ({@link #hold}), from where the count last stopped, so each change is counted once.
 *
 * <p>Threads: owned by one thread at a time (the event loop of its connection); the hub's applying thread never
 * touches it.
 */
public final class Watcher {
    /** Where a watcher's events go: its connection. */
    public interface Output {
        /** Bytes written to this output and not yet sent to the client. */
        long unsentBytes();

        /** Writes one whole event. */
        void write(byte[] event);
    }

    private final WatchHub hub;
    private final WatchedKeys keys;
    private final long from;
    private final History.Cursor cursor;
    /** The last revision every matching change of which was written: the stream is whole up to it. */
    private long delivered;
    private long lastSentNanos;
    /** While the output is full: where counting the due events stopped, and the bytes counted. */
    private History.Cursor counted;
    private long dueBytes;
    /** Why the stream is to end, once decided; its last event is written by the next {@link #send}. */
    private WatchEnd ending;
    private boolean ended;

    Watcher(WatchHub hub, WatchedKeys keys, long from, History.Cursor cursor, long nowNanos) {
        this.hub = hub;
        this.keys = keys;
        this.from = from;
        this.cursor = cursor;
        this.delivered = Math.max(0, from - 1);
        this.lastSentNanos = nowNanos;
    }

    /** The last revision delivered whole. */
    public long delivered() {
        return delivered;
    }

    /** Whether the stream's last event has been written: nothing more will come. */
    public boolean ended() {
        return ended;
    }

    /** Whether the stream is to end; its last event waits for the output to take it. */
    public boolean ending() {
        return ending != null;
    }

    /**
     * Whether {@link #send} has anything to write now: a change of its keys, a progress event due, or its last
     * event. Moves past the changes of other keys on the way, so that a watcher that wants none of the news costs
     * its thread one look at each change and nothing more.
     */
    public boolean hasNews(long nowNanos) {
        if (ended) {
            return false;
        }
        if (ending != null) {
            return true;
        }
        boolean next = cursor.peek();
        while (next && !(cursor.revision() >= from && cursor.isFor(keys))) {
            if (cursor.behind()) {
                ending = endOfHistory();
                return true;
            }
            long unit = cursor.revision();
            cursor.advance();
            next = cursor.peek();
            if (!next || cursor.revision() != unit) {
                delivered = Math.max(delivered, unit); // a whole revision with nothing for this watcher
            }
        }
        if (counted != null && !cursor.before(counted)) {
            counted = null;
            dueBytes = 0;
        }
        return next || nowNanos - lastSentNanos >= hub.progressNanos();
    }

    /**
     * The output can take more: writes whole revisions while fewer than {@code budget} bytes were written (one
     * revision may take it past) and the buffer has room; a progress event when nothing was due for the progress
     * interval; the last event when the stream is to end.
     */
    public void send(Output out, int budget) {
        if (ended) {
            return;
        }
        long seen = hub.revision(); // before reading: every change up to it is in the history
        long room = hub.settings().bufferBytes() - out.unsentBytes();
        long written = 0;
        boolean next = cursor.peek();
        while (ending == null && next && written < budget && written < room) {
            if (cursor.behind()) {
                ending = endOfHistory();
                break;
            }
            long unit = cursor.revision();
            while (next && cursor.revision() == unit) {
                if (unit >= from && cursor.isFor(keys)) {
                    byte[] event = cursor.event(hub.encode);
                    out.write(event);
                    written += event.length;
                    if (counted != null && cursor.before(counted)) {
                        dueBytes -= event.length;
                    }
                }
                cursor.advance();
                next = cursor.peek();
            }
            delivered = Math.max(delivered, unit);
        }
        if (ending != null) {
            out.write(hub.format().end(ending, delivered));
            ended = true;
            return;
        }
        if (counted != null && !cursor.before(counted)) {
            counted = null;
            dueBytes = 0;
        }
        long now = hub.nowNanos();
        if (written > 0) {
            lastSentNanos = now;
        } else if (!next && now - lastSentNanos >= hub.progressNanos()) {
            long revision = Math.max(seen, from - 1);
            delivered = Math.max(delivered, revision);
            out.write(hub.format().progress(revision));
            lastSentNanos = now;
        }
        if (next && written >= room) {
            hold(out.unsentBytes());
        }
    }

    /**
     * The output cannot take more now and holds {@code unsentBytes}: counts the events that came due since the
     * last count, and decides to end the stream once they and the unsent bytes pass the buffer.
     */
    public void hold(long unsentBytes) {
        if (ended || ending != null) {
            return;
        }
        if (counted == null) {
            counted = cursor.copy();
        }
        while (counted.peek()) {
            if (counted.behind()) {
                ending = endOfHistory();
                return;
            }
            if (counted.revision() >= from && counted.isFor(keys)) {
                dueBytes += counted.event(hub.encode).length;
            }
            counted.advance();
        }
        if (unsentBytes + dueBytes > hub.settings().bufferBytes()) {
            ending = WatchEnd.TOO_SLOW;
        }
    }

    /** Why a cursor lost its place: the history dropped what it had not read, or a snapshot replaced it all. */
    private WatchEnd endOfHistory() {
        return cursor.replaced() ? WatchEnd.COMPACTED : WatchEnd.TOO_SLOW;
    }
}
