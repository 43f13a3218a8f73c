package kvstore.core.store;

import kvstore.core.LogObserver;
import kvstore.core.time.EpochClock;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes expired entries from the {@link Store} in the background, so memory is freed for keys nobody
 * reads again. Reads check deadlines themselves; this only reclaims. The store tracks the deadlines; this
 * thread only advances them, and tells the {@link LogObserver} how many entries each sweep removed.
 */
public final class ExpirySweeper implements AutoCloseable {
    /** Tick of the store's expiry wheel and of this sweep: an expired entry stays in memory at most this long. */
    public static final long TICK_MILLIS = 100;

    private final Store store;
    private final EpochClock clock;
    private final LogObserver observer;
    private ScheduledExecutorService thread;

    public ExpirySweeper(Store store, EpochClock clock, LogObserver observer) {
        this.store = store;
        this.clock = clock;
        this.observer = observer;
    }

    /** Removes every entry due by now and returns how many; the background thread calls this every tick. */
    public int sweep() {
        int removed = store.removeExpired(clock.millis());
        if (removed > 0) {
            observer.expired(removed);
        }
        return removed;
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
