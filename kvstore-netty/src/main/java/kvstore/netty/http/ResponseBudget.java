package kvstore.netty.http;

import io.netty.channel.Channel;
import kvstore.core.RateLimitedLog;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The bytes of large responses built and not yet sent, bounded in total across all connections, as
 * {@link BodyBudget} bounds request bodies: many connections that each ask for a large value and never read
 * the answer cannot hold the server's memory.
 *
 * <p>Each connection already holds at most about one response beyond its write buffer ({@link RequestOrder});
 * this bounds their sum. A response over {@link #LARGE_RESPONSE} bytes is counted from the moment it is
 * built until it has been handed to the socket (or dropped). When the count passes the capacity, the
 * connections that have held unsent responses the longest are closed until it is back within it: a client
 * that reads its answers holds them for moments, one that does not read holds them for good. A connection
 * holding the only response counted is never closed for it, so any single response can be sent. Thread-safe:
 * connections on every event loop share one budget.
 */
final class ResponseBudget {
    /** Responses up to this size are bounded per connection only, by its write buffer. */
    static final int LARGE_RESPONSE = 16 * 1024;

    /** One connection's part of the budget; its fields are guarded by the budget. */
    static final class Share {
        private final Channel channel;
        private long bytes;
        /** Closed for holding its responses too long: its bytes no longer count. */
        private boolean evicted;

        private Share(Channel channel) {
            this.channel = channel;
        }
    }

    private final long capacity;
    private final RateLimitedLog warnings;
    /** Guarded by this: the bytes of the shares not evicted. */
    private long used;
    /** Guarded by this: the shares holding bytes, the one that has held them the longest first. */
    private final LinkedHashSet<Share> holders = new LinkedHashSet<>();

    ResponseBudget(long capacity, RateLimitedLog warnings) {
        this.capacity = capacity;
        this.warnings = warnings;
    }

    /** A budget that never closes a connection, for handler tests. */
    static ResponseBudget unbounded() {
        return new ResponseBudget(Long.MAX_VALUE, null);
    }

    Share share(Channel channel) {
        return new Share(channel);
    }

    /** Counts a response of {@code bytes} that {@code share}'s connection built; closes the longest holders while over. */
    void take(Share share, long bytes) {
        List<Share> evicted = new ArrayList<>(0);
        long over;
        synchronized (this) {
            share.bytes += bytes;
            if (share.evicted) {
                return;
            }
            used += bytes;
            holders.add(share);
            over = used;
            for (Iterator<Share> it = holders.iterator(); used > capacity && holders.size() > 1; ) {
                Share oldest = it.next();
                it.remove();
                oldest.evicted = true;
                used -= oldest.bytes;
                evicted.add(oldest);
            }
        }
        for (Share s : evicted) {
            warnings.warn("closed a connection that does not read its responses: {} bytes of large responses "
                    + "were waiting to be sent on all connections (at most {})", over, capacity);
            s.channel.close();
        }
    }

    /** Gives back {@code bytes} of {@code share}'s, once sent or dropped. */
    synchronized void give(Share share, long bytes) {
        share.bytes -= bytes;
        if (share.evicted) {
            return;
        }
        used -= bytes;
        if (share.bytes == 0) {
            holders.remove(share);
        }
    }

    synchronized long used() {
        return used;
    }
}
