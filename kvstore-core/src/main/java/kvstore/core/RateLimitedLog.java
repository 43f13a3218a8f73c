package kvstore.core;

import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the log readable under a fault that repeats thousands of times a second (a refused connection, a full
 * disk): each warning is logged at most once per interval, and the next line it logs says how many were left
 * out meanwhile. Warnings are told apart by their format string, so the same warning with other arguments
 * counts as a repeat.
 *
 * <p>Thread-safe: any thread may warn; each warning's state is guarded by its own {@code Seen}.
 */
public final class RateLimitedLog {
    /** The interval kvstore's own warnings use. */
    public static final long DEFAULT_INTERVAL_SECONDS = 10;

    private static final long NEVER = Long.MIN_VALUE;
    /** Kinds remembered at most; past it they are forgotten at once, so keys made of arguments cannot fill the heap. */
    static final int MAX_KINDS = 1_000;
    private static final String REPEATS = " ({} more like this since the last one)";

    /** One warning's state; guarded by itself. */
    private static final class Seen {
        long lastLogged = NEVER;
        long suppressed;
    }

    private final Logger log;
    private final long intervalNanos;
    private final NanoClock clock;
    private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();

    /** Warnings to {@code log}, each at most once every {@link #DEFAULT_INTERVAL_SECONDS} by {@code clock}. */
    public RateLimitedLog(Logger log, NanoClock clock) {
        this(log, DEFAULT_INTERVAL_SECONDS, TimeUnit.SECONDS, clock);
    }

    public RateLimitedLog(Logger log, long interval, TimeUnit unit, NanoClock clock) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
        this.clock = clock;
    }

    /** Logs {@code format} with {@code args} as a WARN line, unless the same warning was logged within the interval. */
    public void warn(String format, Object... args) {
        long left = admit(format);
        if (left == 0) {
            log.warn(format, args);
        } else if (left > 0) {
            log.warn(format + REPEATS, withCount(args, left));
        }
    }

    /**
     * Logs {@code format} with {@code args} and {@code cause} (may be null) at {@code level}, unless the warning
     * of that {@code kind} was logged within the interval. For messages that are not kvstore's own, whose format
     * alone may not tell two warnings apart (another peer, another file).
     */
    public void log(Level level, String kind, String format, Throwable cause, Object... args) {
        long left = admit(kind);
        if (left == 0) {
            log.atLevel(level).setCause(cause).log(format, args);
        } else if (left > 0) {
            log.atLevel(level).setCause(cause).log(format + REPEATS, withCount(args, left));
        }
    }

    private static Object[] withCount(Object[] args, long left) {
        Object[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = left;
        return all;
    }

    /** -1 when this warning is left out now; otherwise how many were left out since it was last logged. */
    long admit(String kind) {
        if (seen.size() >= MAX_KINDS && !seen.containsKey(kind)) {
            seen.clear();
        }
        Seen s = seen.computeIfAbsent(kind, f -> new Seen());
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
