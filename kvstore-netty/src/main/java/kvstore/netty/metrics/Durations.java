package kvstore.netty.metrics;

/** Durations measured in nanoseconds, as Prometheus's base unit, the second. */
final class Durations {
    private static final double NANOS_PER_SECOND = 1e9;

    private Durations() {
    }

    static double seconds(long nanos) {
        return nanos / NANOS_PER_SECOND;
    }
}
