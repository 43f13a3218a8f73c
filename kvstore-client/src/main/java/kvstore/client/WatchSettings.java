package kvstore.client;

import java.time.Duration;

/**
 * How a watch connects again: the first and the longest pause between attempts, and how long a stream may stay
 * silent before it is taken for dead (the server sends a progress event after 10 s without changes, so a longer
 * silence means a connection that died without closing).
 */
record WatchSettings(Duration initialBackoff, Duration maxBackoff, Duration idleTimeout) {
    WatchSettings {
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("reconnection pauses need 0 < first <= longest, not " + initialBackoff
                    + " and " + maxBackoff);
        }
    }

    static final WatchSettings DEFAULT = new WatchSettings(Duration.ofMillis(100), Duration.ofSeconds(5),
            Duration.ofSeconds(30));
}
