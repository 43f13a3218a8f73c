package kvstore.core.watch;

import kvstore.core.store.Change;

import java.util.List;
import java.util.function.Function;

/**
 * The last changes the store applied, in revision order, in a chain of fixed segments: one thread appends
 * whole units (every change of one revision), any thread reads them with a {@link Cursor}. Each change has a
 * sequence number, its position since the history was made.
 *
 * <p>At least {@code keep} changes are kept; older units are dropped whole, so every revision the history holds
 * is complete. A dropped segment's changes are never written again: a reader still on it reads intact changes,
 * and learns from {@link Cursor#behind} that it fell behind. Only its link to the next segment is cut (to
 * {@code GONE}), so that it holds nothing later alive; a reader that reaches the cut goes on from the oldest
 * segment held, or is given a placeholder change when it fell behind.
 *
 * <p>Threads: {@link #append}, {@link #startAt} and the writer-only fields belong to the one applying thread. A
 * slot is filled before {@code end} (volatile) moves past it, and {@code end} before {@code revision}, so a reader
 * that reads {@code revision} and then {@code end} sees every change up to that revision; {@code firstRevision}
 * moves before {@code start}, {@code start} before {@code oldest}, and {@code oldest} before the links of the
 * segments it leaves are cut.
 */
final class History {
    /** Changes per {@link HistorySegment}. */
    static final int SEGMENT = 1024;

    /**
     * What a dropped segment links to instead of the next one. A dropped segment that reached the collector's old
     * generation would otherwise keep every later segment, and the changes and values they hold, from dying young:
     * the history would be promoted whole, and young collections would grow long copying it.
     */
    private static final HistorySegment GONE = new HistorySegment(Long.MIN_VALUE, 0);

    private final int keep;
    /** Writer only: the segment appended to. */
    private HistorySegment newest;
    /** Writer only: where the oldest unit held ends, or -1 when not worked out yet. */
    private long oldestUnitEnd = -1;
    private volatile HistorySegment oldest;
    /** The sequence number of the oldest change held. */
    private volatile long start;
    /** The sequence number the next change will get: every change before it is readable. */
    private volatile long end;
    /** Counts the times the history was emptied: a cursor made before the last one lost the changes in between. */
    private volatile int generation;
    /** The revision of the last unit appended (or the revision the history was cleared at). */
    private volatile long revision;
    /**
     * Every change of this revision and later is held. Moves before {@code start} does, so a reader that finds
     * a cursor's position from {@code start} and then checks this revision never misses a dropped unit.
     */
    private volatile long firstRevision = 1;

    History(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("a history keeps at least one change, not " + keep);
        }
        this.keep = keep;
        this.newest = new HistorySegment(0, 0);
        this.oldest = newest;
    }

    /**
     * Writer: appends the changes of the unit of {@code unitRevision}, all visible to readers at once. A unit not
     * newer than the last is ignored; a gap (revisions whose changes never came) forgets what was held first.
     */
    void append(long unitRevision, List<Change> unit) {
        if (unitRevision <= revision) {
            return;
        }
        if (unitRevision != revision + 1) {
            clearAt(unitRevision - 1);
        }
        long seq = end;
        for (Change change : unit) {
            int slot = (int) (seq - newest.base);
            if (slot == SEGMENT) {
                HistorySegment next = new HistorySegment(seq, newest.used());
                newest.seal();
                newest.next = next;
                newest = next;
                slot = 0;
            }
            newest.append(slot, change);
            seq++;
        }
        end = seq;
        revision = unitRevision;
        trim();
    }

    /** Writer: drops the oldest units while at least {@code keep} changes stay after them. */
    private void trim() {
        long first = start;
        long last = end;
        HistorySegment segment = oldest;
        boolean dropped = false;
        while (last - first > keep) {
            if (oldestUnitEnd < 0) {
                oldestUnitEnd = unitEnd(segment, first, last);
            }
            if (last - oldestUnitEnd < keep) {
                break;
            }
            first = oldestUnitEnd;
            segment = segmentOf(segment, first);
            oldestUnitEnd = -1;
            dropped = true;
        }
        if (dropped) {
            firstRevision = revisionAt(segment, first);
            start = first;
            HistorySegment gone = oldest;
            oldest = segment;
            while (gone != segment) {
                HistorySegment next = gone.next;
                gone.next = GONE;
                gone = next;
            }
        }
    }

    private static long unitEnd(HistorySegment segment, long first, long last) {
        long unit = revisionAt(segment, first);
        long seq = first + 1;
        HistorySegment s = segment;
        while (seq < last) {
            s = segmentOf(s, seq);
            if (revisionAt(s, seq) != unit) {
                break;
            }
            seq++;
        }
        return seq;
    }

    /**
     * Writer: the state now stands at {@code stateRevision} with no changes known before it (it was loaded from a
     * snapshot). Forgets what was held when the state moved past it; nothing happens when it did not.
     */
    void startAt(long stateRevision) {
        if (stateRevision > revision) {
            clearAt(stateRevision);
        }
    }

    private void clearAt(long stateRevision) {
        firstRevision = stateRevision + 1;
        revision = stateRevision;
        start = end;
        oldest = newest;
        oldestUnitEnd = -1;
        generation++;
    }

    /**
     * A cursor at the first change whose revision is at least {@code from}.
     *
     * @throws RevisionCompactedException when changes from {@code from} on are no longer all held
     */
    Cursor open(long from) throws RevisionCompactedException {
        Cursor cursor = seek(from);
        long first = firstRevision; // read after seek read start: see firstRevision
        if (Math.max(from, 1) < first) {
            throw new RevisionCompactedException(first);
        }
        return cursor;
    }

    private Cursor seek(long revision) {
        while (true) {
            int gen = generation;
            HistorySegment segment = oldest;
            long low = Math.max(start, segment.base);
            long high = end;
            boolean lost = false;
            while (low < high && !lost) {
                long mid = (low + high) >>> 1;
                HistorySegment s = segmentOf(segment, mid);
                lost = s == null;
                if (!lost && revisionAt(s, mid) < revision) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            HistorySegment found = lost ? null : segmentOf(segment, low);
            if (found != null) {
                return new Cursor(found, low, gen);
            }
            // The writer dropped segments under this search: search again from the oldest one held.
        }
    }

    /** How many changes are held. */
    long size() {
        return end - start;
    }

    /** The revision of the last unit appended: every change up to it is readable. */
    long revision() {
        return revision;
    }

    /** The oldest revision whose changes are all held. */
    long firstRevision() {
        return firstRevision;
    }

    /**
     * The segment of {@code seq}, walking on from {@code from}, which must not be past it (the newest one when
     * {@code seq} is where it ends); null when the walk meets a dropped segment.
     */
    private static HistorySegment segmentOf(HistorySegment from, long seq) {
        HistorySegment s = from;
        while (seq - s.base >= SEGMENT && s.next != null) {
            s = s.next;
            if (s == GONE) {
                return null;
            }
        }
        return s;
    }

    private static long revisionAt(HistorySegment segment, long seq) {
        return segment.revision((int) (seq - segment.base));
    }

    /**
     * A reader's position: the next change it has not looked at. Owned by one reader thread at a time. A reader
     * looks at a change where it is, without making anything: {@link #peek}, then {@link #revision} and
     * {@link #isFor}; only an event is made, once, for all readers ({@link #event}).
     */
    final class Cursor {
        private HistorySegment segment;
        private long seq;
        private final int generation;
        /** The last peek found this reader's segment dropped under it, with changes it had not read. */
        private boolean dropped;

        private Cursor(HistorySegment segment, long seq, int generation) {
            this.segment = segment;
            this.seq = seq;
            this.generation = generation;
        }

        /**
         * Whether there is a change to look at: false when the reader has seen every change appended so far. When
         * the reader fell behind, there is one, and {@link #behind} says so.
         */
        boolean peek() {
            dropped = false;
            if (seq >= end) {
                return false;
            }
            if (seq - segment.base == SEGMENT) {
                HistorySegment next = segment.next;
                while (next == GONE) {
                    // Dropped under this reader: go on from the oldest segment held, unless the reader is behind it
                    // (start, written before oldest, is then past seq).
                    HistorySegment from = oldest;
                    if (seq < from.base) {
                        dropped = true;
                        return true;
                    }
                    next = segmentOf(from, seq);
                    next = next == null ? GONE : next; // dropped again meanwhile: look again
                }
                segment = next;
            }
            return true;
        }

        /** The revision of the change {@link #peek} found; -1 when the reader fell behind. */
        long revision() {
            return dropped ? -1 : segment.revision(slot());
        }

        /** Whether the change {@link #peek} found is of a key {@code keys} covers; false when the reader fell behind. */
        boolean isFor(WatchedKeys keys) {
            return !dropped && segment.isFor(slot(), keys);
        }

        /** The event of the change {@link #peek} found, made by {@code encode} once for every reader. */
        byte[] event(Function<Change, byte[]> encode) {
            return segment.event(slot(), encode);
        }

        private int slot() {
            return (int) (seq - segment.base);
        }

        /** Moves past the change {@link #peek} found. */
        void advance() {
            seq++;
        }

        /**
         * Whether changes from here on were dropped (the reader fell behind) or the history was emptied since the
         * cursor was made. Ask after {@link #peek}: what it found is then known to be in order.
         */
        boolean behind() {
            return seq < start || replaced();
        }

        /** Whether the history was emptied since the cursor was made (the state was loaded from a snapshot). */
        boolean replaced() {
            return generation != History.this.generation;
        }

        /** Whether this cursor is before {@code other}. */
        boolean before(Cursor other) {
            return seq < other.seq;
        }

        Cursor copy() {
            return new Cursor(segment, seq, generation);
        }
    }
}
