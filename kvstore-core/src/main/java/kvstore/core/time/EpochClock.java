package kvstore.core.time;

/**
 * Wall-clock time in epoch milliseconds. Deadlines are persisted in the log as wall-clock time, so every
 * TTL decision uses this clock; tests inject a manual one instead of sleeping.
 */
@FunctionalInterface
public interface EpochClock {
    /** The system's wall clock. */
    EpochClock SYSTEM = System::currentTimeMillis;

    long millis();
}
