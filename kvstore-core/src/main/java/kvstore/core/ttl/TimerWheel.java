package kvstore.core.ttl;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A hashed timer wheel: each timer sits in the bucket of its deadline's tick, and advancing the wheel walks
 * only the buckets of the ticks that have passed, firing the timers that are due.
 *
 * <p>Like Netty's {@code HashedWheelTimer}, timers of later rounds share a bucket with nearer ones and are
 * skipped until due, and there is no cancel: a timer whose target has changed fires harmlessly (the
 * handler decides). Unlike it, a timer is two array slots, not an object, and the wheel has no thread of
 * its own: whoever calls {@link #advance} does the firing. Methods are synchronized, because the store's
 * writer schedules and advances while readers of the figures look.
 *
 * @param <K> first payload of a timer (a key)
 * @param <V> second payload of a timer (the entry it should expire)
 */
public final class TimerWheel<K, V> {
    private final long tickMillis;
    private final Bucket[] buckets;
    private final int mask;
    private long currentTick;
    private int size;

    /**
     * @param tickMillis length of one tick; a timer fires at most this late
     * @param bucketCount number of buckets, rounded up to a power of two
     * @param startMillis the clock's reading now
     */
    public TimerWheel(long tickMillis, int bucketCount, long startMillis) {
        if (tickMillis <= 0 || bucketCount <= 0) {
            throw new IllegalArgumentException("tick and bucket count must be positive");
        }
        int n = Integer.highestOneBit(Math.max(1, bucketCount - 1)) << 1;
        this.tickMillis = tickMillis;
        this.buckets = new Bucket[n];
        for (int i = 0; i < n; i++) {
            buckets[i] = new Bucket();
        }
        this.mask = n - 1;
        this.currentTick = startMillis / tickMillis;
    }

    /** Schedules a timer that fires with {@code key} and {@code value} once the clock reaches {@code deadlineMillis}. */
    public synchronized void schedule(long deadlineMillis, K key, V value) {
        long tick = Math.max(deadlineMillis / tickMillis, currentTick);
        buckets[(int) (tick & mask)].add(deadlineMillis, key, value);
        size++;
    }

    /**
     * Fires, in no particular order, every timer whose deadline is at or before {@code nowMillis}.
     *
     * @return the number of timers fired
     */
    public synchronized int advance(long nowMillis, BiConsumer<K, V> onDue) {
        long nowTick = nowMillis / tickMillis;
        if (nowTick < currentTick) {
            nowTick = currentTick;
        }
        long ticks = Math.min(nowTick - currentTick + 1, buckets.length);
        int fired = 0;
        for (long t = nowTick - ticks + 1; t <= nowTick; t++) {
            fired += buckets[(int) (t & mask)].fireDue(nowMillis, onDue);
        }
        // The current tick is only partly over, so the next call walks its bucket again.
        currentTick = nowTick;
        size -= fired;
        return fired;
    }

    /** Calls {@code action} for every timer due at {@code nowMillis} and not fired yet, firing none. */
    public synchronized void forEachDue(long nowMillis, BiConsumer<K, V> action) {
        long nowTick = Math.max(nowMillis / tickMillis, currentTick);
        long ticks = Math.min(nowTick - currentTick + 1, buckets.length);
        for (long t = nowTick - ticks + 1; t <= nowTick; t++) {
            buckets[(int) (t & mask)].forEachDue(nowMillis, action);
        }
    }

    /** Timers scheduled and not fired yet. */
    public synchronized int size() {
        return size;
    }

    private static final class Bucket {
        private long[] deadlines = new long[0];
        private Object[] keys = new Object[0];
        private Object[] values = new Object[0];
        private int count;
        /**
         * No timer of the bucket is due before this: a bucket holds the timers of every round of its tick, so
         * looking at it while none is due, as the writer does often, is one comparison rather than a scan.
         */
        private long earliest = Long.MAX_VALUE;

        void add(long deadline, Object key, Object value) {
            if (count == deadlines.length) {
                int capacity = Math.max(4, count * 2);
                deadlines = Arrays.copyOf(deadlines, capacity);
                keys = Arrays.copyOf(keys, capacity);
                values = Arrays.copyOf(values, capacity);
            }
            deadlines[count] = deadline;
            keys[count] = key;
            values[count] = value;
            count++;
            earliest = Math.min(earliest, deadline);
        }

        @SuppressWarnings("unchecked")
        <K, V> int fireDue(long nowMillis, BiConsumer<K, V> onDue) {
            if (earliest > nowMillis) {
                return 0;
            }
            int fired = 0;
            int i = 0;
            long next = Long.MAX_VALUE;
            while (i < count) {
                if (deadlines[i] <= nowMillis) {
                    K key = (K) keys[i];
                    V value = (V) values[i];
                    removeAt(i);
                    fired++;
                    onDue.accept(key, value);
                } else {
                    next = Math.min(next, deadlines[i]);
                    i++;
                }
            }
            earliest = next;
            if (count == 0 && deadlines.length > 64) {
                deadlines = new long[0];
                keys = new Object[0];
                values = new Object[0];
            }
            return fired;
        }

        @SuppressWarnings("unchecked")
        <K, V> void forEachDue(long nowMillis, BiConsumer<K, V> action) {
            if (earliest > nowMillis) {
                return;
            }
            for (int i = 0; i < count; i++) {
                if (deadlines[i] <= nowMillis) {
                    action.accept((K) keys[i], (V) values[i]);
                }
            }
        }

        private void removeAt(int i) {
            int last = --count;
            deadlines[i] = deadlines[last];
            keys[i] = keys[last];
            values[i] = values[last];
            keys[last] = null;
            values[last] = null;
        }
    }
}
