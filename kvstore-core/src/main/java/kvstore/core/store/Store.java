package kvstore.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BiConsumer;

/**
 * The in-memory key-value map and its revision: keys sorted by their UTF-8 bytes, values kept as compact JSON
 * text (the data structures are a {@link KeyTable}).
 *
 * <p>Revisions: writes are applied in units (one write, one whole batch, one expiry); a unit that changes
 * anything is one revision, given by the caller ({@link #apply}: the log worker assigns it as it logs the unit)
 * or counted here ({@link #applyUnit}). Each applied entry carries its figures (see {@link Entry}), and the
 * {@link ChangeListener} is told of every unit's changes once they are visible, in revision order.
 *
 * <p>Expiry: every entry set with a deadline is scheduled as it is applied; the writer takes the due ones
 * ({@link #dueEntries}) and expires each as a unit of its own ({@link #expire}), so an expiry is a change with
 * a revision like any other. Reads and the figures of {@link #totals(long)} treat a due entry as gone whether
 * or not it has been expired yet.
 *
 * <p>Threading: any thread may read; one thread at a time applies writes (the log worker, replay before the
 * server starts, or the replicated state machine's apply thread).
 *
 * <p>Isolation: every unit that changes the store holds the write side of {@code unitLock}, and a unit of two
 * writes or more also that of {@code batchLock}. Reads take an optimistic stamp and retry under the read lock
 * only when a unit was applied meanwhile: reads of one key and key listings against batches (a single write
 * changes one key at once), so no reader ever sees part of a batch; listings with values against every unit,
 * so they show the store at exactly one revision. Reads cost no lock in the usual case.
 */
public final class Store {
    /** Tick of the expiry schedule: how often the writer looks for due entries while nothing else is written. */
    public static final long EXPIRY_TICK_MILLIS = 100;
    /** The revision of a unit that changes nothing, so has none (see {@link #apply}). */
    public static final long NO_REVISION = 0;
    /** Optimistic attempts of a listing with values before it holds writers back with the read lock. */
    private static final int OPTIMISTIC_ATTEMPTS = 3;

    private final KeyTable table = new KeyTable();
    private final StampedLock unitLock = new StampedLock();
    private final StampedLock batchLock = new StampedLock();
    private final ChangeListener listener;
    /** Written by the writer under {@code unitLock}, once the unit's changes are in place; read by anyone. */
    private volatile long revision;
    /**
     * Entries the writer took off the expiry schedule ({@link #dueEntries}) and has not expired or put back yet:
     * {@link #totals(long)} must not count them while their expiry is being logged. Written by the writer, read by
     * anyone; never changed in place.
     */
    private volatile List<Entry> beingExpired = List.of();

    /** An empty store at revision 0 that tells nobody of its changes. */
    public Store() {
        this(ChangeListener.NONE);
    }

    /** An empty store at revision 0 that tells {@code listener} of every unit it applies. */
    public Store(ChangeListener listener) {
        this.listener = listener;
    }

    /** The revision of the last change applied (0 for a store that never changed). */
    public long revision() {
        return revision;
    }

    /** The live entry of {@code key}, or null when it is absent or expired. */
    public Entry get(byte[] key, long nowMillis) {
        long stamp = batchLock.tryOptimisticRead();
        Entry entry = table.get(key);
        if (!batchLock.validate(stamp)) {
            entry = getWhileBatchesWait(key);
        }
        return entry != null && entry.isLiveAt(nowMillis) ? entry : null;
    }

    /** The slow path of {@link #get}, kept apart so the fast one stays small enough to inline. */
    private Entry getWhileBatchesWait(byte[] key) {
        long stamp = batchLock.readLock();
        try {
            return table.get(key);
        } finally {
            batchLock.unlockRead(stamp);
        }
    }

    /** The live keys that start with {@code prefix}, in unsigned byte order; costs O(log n + k). */
    public List<byte[]> keysWithPrefix(byte[] prefix, long nowMillis) {
        return keysAfter(prefix, null, Integer.MAX_VALUE, nowMillis);
    }

    /**
     * At most {@code max} live keys that start with {@code prefix} and sort strictly after {@code after} (null:
     * from the first), in unsigned byte order, never showing part of a batch; costs O(log n + max) plus the
     * expired keys skipped on the way. The listing reflects every change up to the revision read before it.
     */
    public List<byte[]> keysAfter(byte[] prefix, byte[] after, int max, long nowMillis) {
        long stamp = batchLock.tryOptimisticRead();
        List<byte[]> keys = new ArrayList<>();
        table.collectKeys(prefix, after, max, nowMillis, keys::add);
        if (!batchLock.validate(stamp)) {
            stamp = batchLock.readLock();
            try {
                keys.clear();
                table.collectKeys(prefix, after, max, nowMillis, keys::add);
            } finally {
                batchLock.unlockRead(stamp);
            }
        }
        return keys;
    }

    /**
     * At most {@code max} live entries whose keys start with {@code prefix} and sort strictly after {@code after},
     * in key order, exactly as they stood at the listing's revision: no change was applied while they were read.
     */
    public Listing entriesAfter(byte[] prefix, byte[] after, int max, long nowMillis) {
        List<Entry> entries = new ArrayList<>();
        for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            long stamp = unitLock.tryOptimisticRead();
            long at = revision;
            entries.clear();
            table.collect(prefix, after, max, nowMillis, (key, entry) -> entries.add(entry));
            if (unitLock.validate(stamp)) {
                return new Listing(entries, at);
            }
        }
        long stamp = unitLock.readLock();
        try {
            entries.clear();
            table.collect(prefix, after, max, nowMillis, (key, entry) -> entries.add(entry));
            return new Listing(entries, revision);
        } finally {
            unitLock.unlockRead(stamp);
        }
    }

    /** Live entries and the revision they stood at (see {@link #entriesAfter}). */
    public record Listing(List<Entry> entries, long revision) {
    }

    /**
     * Calls {@code action} for every live entry, in key order, each as a whole unit left it (never part of a
     * batch); the walk as a whole is weakly consistent under concurrent writes.
     */
    public void forEachLive(long nowMillis, BiConsumer<byte[], Entry> action) {
        for (byte[] key : table.keys()) {
            Entry entry = get(key, nowMillis);
            if (entry != null) {
                action.accept(key, entry);
            }
        }
    }

    /**
     * Decides and applies one unit now, counting its revision (the next one, when it changes anything): the
     * replicated state machine applies entries so, and replay a log without revisions. Its checks see the store
     * as it is and the unit's earlier operations; when one fails nothing is applied.
     */
    public Outcome applyUnit(List<Op> ops, long atMillis) {
        long current = revision;
        Conditions.Verdict verdict = Conditions.decide(ops, key -> table.live(key, atMillis), current + 1, atMillis);
        if (verdict.refused()) {
            return Outcome.refused(current, verdict.failedIndex(), ops.get(verdict.failedIndex()).key(),
                    verdict.failedModRevision());
        }
        long as = verdict.changes() ? current + 1 : NO_REVISION;
        return Outcome.applied(verdict.changes() ? as : current, apply(ops, as, atMillis));
    }

    /**
     * Applies a unit already decided (see {@link Conditions}) as {@code revision}, at {@code atMillis}: checks
     * are not looked at again. {@code NO_REVISION} means the unit changes nothing (its gets and checks are
     * answered, its deletes find nothing). Replay over a snapshot that already reflects some of a unit's changes
     * gives a revision not above the store's: each write then leaves alone a key whose mod revision is already
     * that far. Returns one result per operation.
     */
    public List<OpResult> apply(List<Op> ops, long revision, long atMillis) {
        List<OpResult> results = new ArrayList<>(ops.size());
        if (revision == NO_REVISION) {
            for (Op op : ops) {
                results.add(op instanceof Op.Get ? OpResult.found(table.live(op.key(), atMillis))
                        : op instanceof Op.Check ? OpResult.EXISTED : OpResult.ABSENT);
            }
            return results;
        }
        boolean[] skipped = revision <= this.revision ? alreadyReflected(ops, revision) : null;
        // Changes are made only for someone to hear them: a store nobody listens to allocates none.
        List<Change> changes = listener == ChangeListener.NONE ? null : new ArrayList<>(2);
        long batchStamp = countWrites(ops) > 1 ? batchLock.writeLock() : 0;
        long unitStamp = unitLock.writeLock();
        try {
            for (int i = 0; i < ops.size(); i++) {
                results.add(skipped != null && skipped[i] ? OpResult.ABSENT
                        : applyOne(ops.get(i), revision, atMillis, changes));
            }
            if (revision > this.revision) {
                this.revision = revision;
            }
        } finally {
            unitLock.unlockWrite(unitStamp);
            if (batchStamp != 0) {
                batchLock.unlockWrite(batchStamp);
            }
        }
        // A unit replayed over a snapshot that already reflects part of it is no whole unit: watchers would see half a
        // batch. Its changes are told to nobody; the listener's history starts after the snapshot's reach.
        if (changes != null && !changes.isEmpty() && skipped == null) {
            listener.applied(revision, changes);
        }
        return results;
    }

    /**
     * Which writes of a unit replayed as {@code revision} a snapshot already reflects: those of keys whose mod
     * revision, before the unit, is at least that (the snapshot saw the key after the whole unit).
     */
    private boolean[] alreadyReflected(List<Op> ops, long revision) {
        boolean[] skipped = new boolean[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Entry current = table.get(ops.get(i).key());
            skipped[i] = ops.get(i).isWrite() && current != null && current.modRevision() >= revision;
        }
        return skipped;
    }

    private OpResult applyOne(Op op, long revision, long atMillis, List<Change> changes) {
        if (op instanceof Op.Set set) {
            return set(set, revision, atMillis, changes);
        }
        if (op instanceof Op.Restore restore) {
            Entry entry = restore.entry();
            int slot = table.probe(entry.key());
            table.put(slot, slot >= 0 ? table.entryAt(slot) : null, entry);
            return OpResult.ABSENT;
        }
        if (op instanceof Op.Delete || op instanceof Op.Expire) {
            // A delete finds only a live entry; an expiry takes what is there, due by definition.
            Entry previous = table.get(op.key());
            if (previous == null || !(op instanceof Op.Expire || previous.isLiveAt(atMillis))) {
                return OpResult.ABSENT;
            }
            table.remove(previous);
            if (changes != null) {
                changes.add(new Change(op instanceof Op.Expire ? Change.Type.EXPIRE : Change.Type.DELETE, op.key(),
                        null, revision, 0, 0, Entry.NEVER));
            }
            return OpResult.EXISTED;
        }
        return op instanceof Op.Get ? OpResult.found(table.live(op.key(), atMillis)) : OpResult.EXISTED;
    }

    /**
     * Applies {@code set} as {@code revision}: a new key, or one whose entry is past its deadline, is created by
     * this revision; a live one gets its next version.
     */
    private OpResult set(Op.Set set, long revision, long atMillis, List<Change> changes) {
        int slot = table.probe(set.key());
        Entry previous = slot >= 0 ? table.entryAt(slot) : null;
        boolean existed = previous != null && previous.isLiveAt(atMillis);
        Entry entry = set.entry().applied(existed ? previous.createRevision() : revision, revision,
                existed ? previous.version() + 1 : 1);
        table.put(slot, previous, entry);
        if (changes != null) {
            changes.add(new Change(Change.Type.PUT, entry.key(), entry.value(), revision, entry.createRevision(),
                    entry.version(), entry.deadlineMillis()));
        }
        return existed ? OpResult.EXISTED : OpResult.ABSENT;
    }

    /** Raises the revision to {@code revision} when it is behind: a log's version mark says where it stood. */
    public void raiseRevision(long revision) {
        long stamp = unitLock.writeLock();
        try {
            if (revision > this.revision) {
                this.revision = revision;
            }
        } finally {
            unitLock.unlockWrite(stamp);
        }
    }

    /**
     * Takes the entries due at {@code atMillis} off the expiry schedule, in the order they are to be expired:
     * deadline, then key bytes, the same wherever the same entries are due. Give them to {@link #expire}, or
     * back to {@link #reschedule} when that cannot be done.
     */
    public List<Entry> dueEntries(long atMillis) {
        List<Entry> due = table.takeDue(atMillis);
        if (!due.isEmpty()) {
            beingExpired = List.copyOf(due);
        }
        return due;
    }

    /** Puts entries taken by {@link #dueEntries} back on the schedule: their expiry could not be logged. */
    public void reschedule(List<Entry> due) {
        table.reschedule(due);
        beingExpired = List.of();
    }

    /** Expires {@code due} (from {@link #dueEntries}), each as a unit of its own: the first as {@code firstRevision}. */
    public void expire(List<Entry> due, long firstRevision, long atMillis) {
        long next = firstRevision;
        for (Entry e : due) {
            apply(List.of(new Op.Expire(e.key())), next++, atMillis);
        }
        beingExpired = List.of();
    }

    /** Expires every entry due at {@code atMillis}, counting their revisions; returns how many it expired. */
    public int expireDue(long atMillis) {
        List<Entry> due = dueEntries(atMillis);
        expire(due, revision + 1, atMillis);
        return due.size();
    }

    /** Whether some entry is due at {@code nowMillis} and not expired yet; any thread. */
    public boolean hasDue(long nowMillis) {
        boolean[] any = {false};
        table.forEachDue(nowMillis, (key, entry) -> any[0] = true);
        return any[0];
    }

    /** Expiry timers scheduled and not taken yet (a timer of an overwritten entry is dropped when due). */
    public int scheduledExpiries() {
        return table.scheduledExpiries();
    }

    /**
     * The live figures at {@code nowMillis}: the running totals less the due entries not expired yet, whether
     * still on the schedule or already taken off it by the writer.
     */
    public Totals totals(long nowMillis) {
        Totals all = totals();
        long[] due = new long[3];
        BiConsumer<byte[], Entry> uncount = (key, entry) -> {
            due[0]++;
            due[1] += key.length;
            due[2] += entry.value().length;
        };
        table.forEachDue(nowMillis, uncount);
        for (Entry e : beingExpired) {
            if (table.get(e.key()) == e) {
                uncount.accept(e.key(), e);
            }
        }
        return new Totals(all.keys() - due[0], all.keyBytes() - due[1], all.valueBytes() - due[2]);
    }

    /**
     * Running totals, read consistently with batches. They include expired entries not removed yet; see
     * {@link #totals(long)} for the live figures.
     */
    public Totals totals() {
        long stamp = batchLock.tryOptimisticRead();
        Totals totals = new Totals(table.keyCount(), table.keyBytes(), table.valueBytes());
        if (!batchLock.validate(stamp)) {
            stamp = batchLock.readLock();
            try {
                totals = new Totals(table.keyCount(), table.keyBytes(), table.valueBytes());
            } finally {
                batchLock.unlockRead(stamp);
            }
        }
        return totals;
    }

    private static int countWrites(List<Op> ops) {
        int writes = 0;
        for (Op op : ops) {
            if (op.isWrite()) {
                writes++;
            }
        }
        return writes;
    }
}
