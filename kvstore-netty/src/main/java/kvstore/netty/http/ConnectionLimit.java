package kvstore.netty.http;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open client connections across every event loop; a connection over the limit is closed as soon as it
 * is accepted, before anything is read, and the others are untouched.
 */
final class ConnectionLimit {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int max) {
        this.max = max;
    }

    /** Counts {@code channel} until it closes and returns true, or returns false when the limit is reached. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return false;
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    int max() {
        return max;
    }
}
