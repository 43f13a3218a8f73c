package kvstore.core.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import kvstore.core.ttl.TimerWheel;

import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BiConsumer;

/**
 * The in-memory key-value map: keys sorted by their UTF-8 bytes, values kept as compact JSON text.
 * A {@link KeyIndex} maps each key to its {@link Entry} for point reads; beside it a sorted map of the
 * same keys serves listings. The sorted map holds what a listing needs to know, whether the key is live:
 * a shared marker for an entry without a deadline, or the entry itself for one with a deadline. So
 * overwriting a key that has no deadline with a value that has none, the usual write, touches only the
 * index, and spares the writer a walk of some twenty skip-list nodes, most of them cache misses.
 *
 * <p>Expiry: every entry set with a deadline is scheduled on a timer wheel as it is applied;
 * {@link #removeExpired} (the {@link ExpirySweeper}'s thread) removes those due. Reads and the figures of
 * {@link #totals(long)} treat a due entry as gone whether or not it has been removed yet.
 *
 * <p>Threading: any thread may read; only one thread at a time may apply writes (the log worker, or replay
 * before the server starts), except {@link #removeExpired}, which the sweeper calls concurrently. Writers take
 * the store's {@code writers} lock around each change, so the index and the sorted map always agree for
 * them; a reader may see one a moment before the other, which is no different from reading just before
 * the write.
 *
 * <p>Isolation: a group of writes applied with {@link #applyAtomically} holds the write side of a
 * {@link StampedLock}; reads take an optimistic stamp and retry under the read lock only when a group was
 * being applied meanwhile, so no reader ever sees part of a batch, and reads cost no lock in the usual case.
 */
public final class Store {
    /** The sorted map's value for a key whose entry never expires. */
    private static final Object PERMANENT = new Object();

    private final ConcurrentSkipListMap<byte[], Object> sortedKeys =
            new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    private final KeyIndex index = new KeyIndex();
    private final Object writers = new Object();
    private final StampedLock batchLock = new StampedLock();
    private final AtomicLong keyCount = new AtomicLong();
    private final AtomicLong keyBytes = new AtomicLong();
    private final AtomicLong valueBytes = new AtomicLong();
    /** The deadline of every entry set with one, so that it is removed once due (see {@link ExpirySweeper}). */
    private final TimerWheel<byte[], Entry> expiries = new TimerWheel<>(ExpirySweeper.TICK_MILLIS, 512, 0);

    /** The live entry of {@code key}, or null when it is absent or expired. */
    public Entry get(byte[] key, long nowMillis) {
        long stamp = batchLock.tryOptimisticRead();
        Entry entry = index.get(key);
        if (!batchLock.validate(stamp)) {
            entry = getWhileBatchesWait(key);
        }
        return entry != null && entry.isLiveAt(nowMillis) ? entry : null;
    }

    /** The slow path of {@link #get}, kept apart so the fast one stays small enough to inline. */
    private Entry getWhileBatchesWait(byte[] key) {
        long stamp = batchLock.readLock();
        try {
            return index.get(key);
        } finally {
            batchLock.unlockRead(stamp);
        }
    }

    /** The live keys that start with {@code prefix}, in unsigned byte order; costs O(log n + k). */
    public List<byte[]> keysWithPrefix(byte[] prefix, long nowMillis) {
        long stamp = batchLock.tryOptimisticRead();
        List<byte[]> keys = collectKeys(prefix, nowMillis);
        if (!batchLock.validate(stamp)) {
            stamp = batchLock.readLock();
            try {
                keys = collectKeys(prefix, nowMillis);
            } finally {
                batchLock.unlockRead(stamp);
            }
        }
        return keys;
    }

    /**
     * At most {@code max} live keys that start with {@code prefix} and sort strictly after {@code after} (null:
     * from the first), in unsigned byte order, read as {@link #keysWithPrefix} reads; costs O(log n + max) plus
     * the expired keys skipped on the way.
     */
    public List<byte[]> keysAfter(byte[] prefix, byte[] after, int max, long nowMillis) {
        boolean fromAfter = after != null && Arrays.compareUnsigned(after, prefix) >= 0;
        byte[] from = fromAfter ? after : prefix;
        long stamp = batchLock.tryOptimisticRead();
        List<byte[]> keys = collectKeys(prefix, from, !fromAfter, max, nowMillis);
        if (!batchLock.validate(stamp)) {
            stamp = batchLock.readLock();
            try {
                keys = collectKeys(prefix, from, !fromAfter, max, nowMillis);
            } finally {
                batchLock.unlockRead(stamp);
            }
        }
        return keys;
    }

    private List<byte[]> collectKeys(byte[] prefix, long nowMillis) {
        return collectKeys(prefix, prefix, true, Integer.MAX_VALUE, nowMillis);
    }

    private List<byte[]> collectKeys(byte[] prefix, byte[] from, boolean inclusive, int max, long nowMillis) {
        List<byte[]> keys = new ArrayList<>();
        for (Map.Entry<byte[], Object> e : sortedKeys.tailMap(from, inclusive).entrySet()) {
            byte[] key = e.getKey();
            if (keys.size() >= max || !startsWith(key, prefix)) {
                break;
            }
            Object mark = e.getValue();
            if (mark == PERMANENT || ((Entry) mark).isLiveAt(nowMillis)) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** Applies one operation; the caller must be the single writer. */
    public OpResult apply(Op op, long nowMillis) {
        if (op instanceof Op.Set set) {
            return set(set, nowMillis);
        }
        if (op instanceof Op.Delete delete) {
            return remove(delete.key(), nowMillis);
        }
        Entry entry = index.get(op.key());
        return entry != null && entry.isLiveAt(nowMillis) ? new OpResult(true, entry.value()) : OpResult.ABSENT;
    }

    /**
     * Applies {@code ops} in order so that no reader sees some of their writes without the others.
     * Takes the write lock only when there are at least two writes to hide from readers.
     */
    public List<OpResult> applyAtomically(List<Op> ops, long nowMillis) {
        List<OpResult> results = new ArrayList<>(ops.size());
        int writes = 0;
        for (Op op : ops) {
            if (op.isWrite()) {
                writes++;
            }
        }
        long stamp = writes > 1 ? batchLock.writeLock() : 0;
        try {
            for (Op op : ops) {
                results.add(apply(op, nowMillis));
            }
        } finally {
            if (stamp != 0) {
                batchLock.unlockWrite(stamp);
            }
        }
        return results;
    }

    /**
     * Removes every entry whose deadline is at or before {@code nowMillis}; returns how many it removed (a
     * timer of an entry overwritten since fires without removing anything).
     */
    public int removeExpired(long nowMillis) {
        int[] removed = new int[1];
        expiries.advance(nowMillis, (key, entry) -> {
            if (expire(key, entry)) {
                removed[0]++;
            }
        });
        return removed[0];
    }

    /** Expiry timers scheduled and not fired yet (a timer of an overwritten entry fires harmlessly). */
    public int scheduledExpiries() {
        return expiries.size();
    }

    /** Removes {@code key} if it still maps to {@code entry}; a newer value of the same key is left alone. */
    boolean expire(byte[] key, Entry entry) {
        synchronized (writers) {
            if (index.remove(key, entry) == null) {
                return false;
            }
            sortedKeys.remove(key);
        }
        forget(key, entry);
        return true;
    }

    /** Calls {@code action} for every live entry, in key order; a weakly consistent view under concurrent writes. */
    public void forEachLive(long nowMillis, BiConsumer<byte[], Entry> action) {
        for (byte[] key : sortedKeys.keySet()) {
            Entry entry = index.get(key);
            if (entry != null && entry.isLiveAt(nowMillis)) {
                action.accept(key, entry);
            }
        }
    }

    /** The live figures at {@code nowMillis}: the running totals less the due entries not removed yet. */
    public Totals totals(long nowMillis) {
        Totals all = totals();
        long[] due = new long[3];
        expiries.forEachDue(nowMillis, (key, entry) -> {
            if (index.get(key) == entry) {
                due[0]++;
                due[1] += key.length;
                due[2] += entry.value().length;
            }
        });
        return new Totals(all.keys() - due[0], all.keyBytes() - due[1], all.valueBytes() - due[2]);
    }

    /**
     * Running totals, read consistently with batches. They include expired entries not removed yet; see
     * {@link #totals(long)} for the live figures.
     */
    public Totals totals() {
        long stamp = batchLock.tryOptimisticRead();
        Totals totals = new Totals(keyCount.get(), keyBytes.get(), valueBytes.get());
        if (!batchLock.validate(stamp)) {
            stamp = batchLock.readLock();
            try {
                totals = new Totals(keyCount.get(), keyBytes.get(), valueBytes.get());
            } finally {
                batchLock.unlockRead(stamp);
            }
        }
        return totals;
    }

    /** Keys held, and the UTF-8 bytes of all their keys and of all their values' compact JSON text. */
    public record Totals(long keys, long keyBytes, long valueBytes) {
        /**
         * Estimated heap bytes of an entry besides its key and value bytes: the entry, two array headers, its
         * hash-index slots and its skip-list node (a million 100-byte values measured about this much more).
         */
        public static final long ENTRY_OVERHEAD_BYTES = 128;

        /** The estimated heap bytes of the data set: what {@code --max-memory} bounds. */
        public long memoryBytes() {
            return keyBytes + valueBytes + keys * ENTRY_OVERHEAD_BYTES;
        }
    }

    /**
     * Whether applying {@code ops} now would take the data set's estimated memory over {@code maxBytes}. Writes
     * that shrink it never do, as under Redis's {@code noeviction}. Writes checked at the same moment may
     * overshoot the ceiling by what they add together.
     */
    public boolean wouldGrowPast(List<Op> ops, long maxBytes, long nowMillis) {
        long used = totals().memoryBytes();
        long mostAdded = 0;
        for (Op op : ops) {
            if (op instanceof Op.Set set) {
                mostAdded += set.key().length + set.entry().value().length + Totals.ENTRY_OVERHEAD_BYTES;
            }
        }
        if (used + mostAdded <= maxBytes) {
            return false; // the common case, without looking up what the keys hold now
        }
        long growth = growthOf(ops, nowMillis);
        return growth > 0 && used + growth > maxBytes;
    }

    /**
     * How many bytes {@link Totals#memoryBytes} would grow by if {@code ops} were applied now (negative when
     * they free more than they add). A set of a key replaces what the key holds; a delete frees it.
     */
    public long growthOf(List<Op> ops, long nowMillis) {
        long growth = 0;
        for (Op op : ops) {
            if (!op.isWrite()) {
                continue;
            }
            Entry old = get(op.key(), nowMillis);
            if (old != null) {
                growth -= op.key().length + old.value().length + Totals.ENTRY_OVERHEAD_BYTES;
            }
            if (op instanceof Op.Set set) {
                growth += set.key().length + set.entry().value().length + Totals.ENTRY_OVERHEAD_BYTES;
            }
        }
        return growth;
    }

    private OpResult set(Op.Set set, long nowMillis) {
        Entry entry = set.entry();
        if (!entry.isLiveAt(nowMillis)) {
            return remove(set.key(), nowMillis);
        }
        Entry previous;
        synchronized (writers) {
            previous = index.put(entry);
            boolean permanent = entry.deadlineMillis() == Entry.NEVER;
            if (previous == null || !permanent || previous.deadlineMillis() != Entry.NEVER) {
                sortedKeys.put(entry.key(), permanent ? PERMANENT : entry);
            }
        }
        if (entry.deadlineMillis() != Entry.NEVER) {
            expiries.schedule(entry.deadlineMillis(), set.key(), entry);
        }
        if (previous == null) {
            keyCount.incrementAndGet();
            keyBytes.addAndGet(set.key().length);
            valueBytes.addAndGet(entry.value().length);
            return OpResult.ABSENT;
        }
        valueBytes.addAndGet(entry.value().length - previous.value().length);
        return previous.isLiveAt(nowMillis) ? OpResult.EXISTED : OpResult.ABSENT;
    }

    private OpResult remove(byte[] key, long nowMillis) {
        Entry previous;
        synchronized (writers) {
            previous = index.remove(key, null);
            if (previous != null) {
                sortedKeys.remove(key);
            }
        }
        if (previous == null) {
            return OpResult.ABSENT;
        }
        forget(key, previous);
        return previous.isLiveAt(nowMillis) ? OpResult.EXISTED : OpResult.ABSENT;
    }

    private void forget(byte[] key, Entry entry) {
        keyCount.decrementAndGet();
        keyBytes.addAndGet(-key.length);
        valueBytes.addAndGet(-entry.value().length);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
