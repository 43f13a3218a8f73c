package kvstore.netty.http;

import kvstore.core.time.NanoClock;
import org.slf4j.Logger;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A warning that can repeat thousands of times a second (a refused connection, a full disk) is logged at most
 * once per interval; the next line it logs says how many were left out. Warnings are told apart by their
 * format string. Thread-safe.
 */
public final class RateLimitedLog {
    private static final long NEVER = Long.MIN_VALUE;

    private static final class Seen {
        long lastLogged = NEVER;
        long suppressed;
    }

    private final Logger log;
    private final long intervalNanos;
    private final NanoClock clock;
    private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();

    public RateLimitedLog(Logger log, long interval, TimeUnit unit, NanoClock clock) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
        this.clock = clock;
    }

    /** Logs {@code format} with {@code args} as a WARN line, unless the same warning was logged within the interval. */
    public void warn(String format, Object... args) {
        long left = admit(format);
        if (left < 0) {
            return;
        }
        if (left == 0) {
            log.warn(format, args);
        } else {
            Object[] withCount = Arrays.copyOf(args, args.length + 1);
            withCount[args.length] = left;
            log.warn(format + " ({} more like this since the last one)", withCount);
        }
    }

    /** -1 when this warning is left out now; otherwise how many were left out since it was last logged. */
    long admit(String format) {
        Seen s = seen.computeIfAbsent(format, f -> new Seen());
        long now = clock.nanos();
        synchronized (s) {
            if (s.lastLogged != NEVER && now - s.lastLogged < intervalNanos) {
                s.suppressed++;
                return -1;
            }
            long left = s.suppressed;
            s.suppressed = 0;
            s.lastLogged = now;
            return left;
        }
    }
}
