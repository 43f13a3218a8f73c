package kvstore.core.time;

/**
 * Monotonic time in nanoseconds, for intervals (how long since the last fsync, uptime); never for
 * deadlines that outlive the process. Tests inject a manual one instead of waiting.
 */
@FunctionalInterface
public interface NanoClock {
    /** The JVM's monotonic clock. */
    NanoClock SYSTEM = System::nanoTime;

    long nanos();
}
