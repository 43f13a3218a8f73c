package kvstore.core.store;

import kvstore.core.time.EpochClock;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes expired entries from the {@link Store} in the background, so memory is freed for keys nobody
 * reads again. Reads check deadlines themselves; this only reclaims. The store tracks the deadlines; this
 * thread only advances them.
 */
public final class ExpirySweeper implements AutoCloseable {
    /** Tick of the store's expiry wheel and of this sweep: an expired entry stays in memory at most this long. */
    public static final long TICK_MILLIS = 100;

    private final Store store;
    private final EpochClock clock;
    private ScheduledExecutorService thread;

    public ExpirySweeper(Store store, EpochClock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Removes every entry due by now; the background thread calls this every tick. */
    public int sweep() {
        return store.removeExpired(clock.millis());
    }

    /** Starts sweeping every tick on a daemon thread. */
    public synchronized void start() {
        if (thread == null) {
            thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kvstore-expiry");
                t.setDaemon(true);
                return t;
            });
            thread.scheduleWithFixedDelay(this::sweep, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }
}
