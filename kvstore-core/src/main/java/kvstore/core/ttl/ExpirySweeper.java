package kvstore.core.ttl;

import kvstore.core.time.EpochClock;
import kvstore.core.store.Entry;
import kvstore.core.store.Store;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes expired entries from the {@link Store} in the background, so memory is freed for keys nobody
 * reads again. Reads check deadlines themselves; this only reclaims.
 */
public final class ExpirySweeper implements AutoCloseable {
    /** Tick of the wheel: an expired entry stays in memory at most this long. */
    public static final long TICK_MILLIS = 100;
    private static final int BUCKETS = 512;

    private final Store store;
    private final EpochClock clock;
    private final TimerWheel<byte[], Entry> wheel;
    private ScheduledExecutorService thread;

    public ExpirySweeper(Store store, EpochClock clock) {
        this.store = store;
        this.clock = clock;
        this.wheel = new TimerWheel<>(TICK_MILLIS, BUCKETS, clock.millis());
    }

    /** Arranges for {@code entry} to be removed from {@code key} once its deadline passes. */
    public void track(byte[] key, Entry entry) {
        if (entry.deadlineMillis() != Entry.NEVER) {
            wheel.schedule(entry.deadlineMillis(), key, entry);
        }
    }

    /** Removes every entry due by now; the background thread calls this every tick. */
    public int sweep() {
        return wheel.advance(clock.millis(), store::expire);
    }

    /** Expiry timers pending. */
    public int pending() {
        return wheel.size();
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
