package kvstore.netty.http;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The bytes of request bodies being received, bounded in total across all connections, so that many
 * connections each sending an almost complete large body cannot hold the server's memory.
 *
 * <p>A connection takes a body's declared length from the budget before reading it; when the budget cannot
 * cover it, the connection waits (its reads paused, see {@link BodyBudgetHandler}) and is granted the bytes,
 * first come first served, as other bodies complete. A body whose length is declared can therefore always be
 * read in full once granted, and waiting never deadlocks on half-read bodies. Thread-safe: connections on
 * every event loop share one budget.
 */
final class BodyBudget {
    /** Called on the releasing thread once the bytes are taken for the waiter; it must hand over to its loop. */
    interface Grant {
        void granted();
    }

    private record Waiter(long bytes, Grant grant) {
    }

    private final long capacity;
    /** Guarded by this. */
    private long used;
    /** Guarded by this. */
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

    BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    /** Takes {@code bytes} now if they fit and nobody waits before; otherwise false. */
    synchronized boolean tryTake(long bytes) {
        if (waiting.isEmpty() && used + bytes <= capacity) {
            used += bytes;
            return true;
        }
        return false;
    }

    /** Takes {@code bytes} even past the capacity (bytes already read); true if the budget is still within it. */
    synchronized boolean force(long bytes) {
        used += bytes;
        return used <= capacity;
    }

    /** Queues {@code grant} for {@code bytes}; it is called once they are taken for it. */
    synchronized void await(long bytes, Grant grant) {
        waiting.add(new Waiter(bytes, grant));
    }

    /** Withdraws a wait; false when it was granted meanwhile (the grant then owns the bytes). */
    synchronized boolean cancel(Grant grant) {
        for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
            if (it.next().grant() == grant) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    /** Gives {@code bytes} back and grants the waiters that now fit, in their order. */
    void give(long bytes) {
        ArrayDeque<Waiter> granted = new ArrayDeque<>();
        synchronized (this) {
            used -= bytes;
            while (!waiting.isEmpty() && used + waiting.peek().bytes() <= capacity) {
                Waiter w = waiting.poll();
                used += w.bytes();
                granted.add(w);
            }
        }
        for (Waiter w : granted) {
            w.grant().granted();
        }
    }

    synchronized long used() {
        return used;
    }
}
