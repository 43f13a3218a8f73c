package kvstore.core.store;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides a unit (one write or one batch) before it is applied: whether each of its checks holds, seeing the
 * unit's earlier operations, and whether it changes anything at all (a delete of a missing key does not). The
 * one decision both engines make: the log worker before it logs a unit (over what its group wrote before, see
 * {@link View}), the replicated state machine where it applies one.
 *
 * <p>Stateless; the {@link View} it is given belongs to the caller's thread.
 */
public final class Conditions {
    /** Where a decision looks up keys: the live entry of a key as the unit would find it, or null. */
    @FunctionalInterface
    public interface View {
        Entry live(byte[] key);
    }

    /**
     * A unit's verdict: refused at the check {@code failedIndex} (-1 when every check holds), whose key then had
     * {@code failedModRevision}; otherwise {@code changes} says whether applying it changes the store.
     */
    public record Verdict(int failedIndex, long failedModRevision, boolean changes) {
        static final Verdict CHANGES = new Verdict(-1, 0, true);
        static final Verdict NO_CHANGE = new Verdict(-1, 0, false);

        public boolean refused() {
            return failedIndex >= 0;
        }
    }

    /** What a key holds after an earlier delete of the unit. */
    private static final Entry ABSENT = Entry.of(new byte[0], new byte[0], Entry.NEVER, 0, 0, 0);

    private Conditions() {
    }

    /**
     * Decides {@code ops} over {@code view}, as if applied as {@code revision} (what a set earlier in the unit
     * gives its key's mod revision) at {@code atMillis} (a set whose deadline has passed by then leaves its key
     * absent to later checks). A unit of sets and gets changes the store (or not) without looking anything up.
     */
    public static Verdict decide(List<Op> ops, View view, long revision, long atMillis) {
        if (ops.size() == 1) {
            Op op = ops.get(0);
            if (op instanceof Op.Set) {
                return Verdict.CHANGES;
            }
            if (op instanceof Op.Delete || op instanceof Op.Expire) {
                return view.live(op.key()) != null ? Verdict.CHANGES : Verdict.NO_CHANGE;
            }
        }
        boolean looks = false;
        boolean sets = false;
        for (Op op : ops) {
            sets |= op instanceof Op.Set;
            looks |= op instanceof Op.Check || op instanceof Op.Delete || op instanceof Op.Expire;
        }
        if (!looks) {
            return sets ? Verdict.CHANGES : Verdict.NO_CHANGE; // sets and gets: nothing to look up
        }
        Map<ByteBuffer, Entry> written = null;
        boolean changes = false;
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Op.Set) {
                written = written != null ? written : new HashMap<>();
                Entry left = leftBy(op, revision, atMillis);
                written.put(ByteBuffer.wrap(op.key()), left != null ? left : ABSENT);
                changes = true;
            } else if (op instanceof Op.Check check) {
                Entry live = lookup(written, view, op.key());
                if (!check.condition().holds(live)) {
                    return new Verdict(i, live == null ? 0 : live.modRevision(), false);
                }
            } else if (op.isWrite()) {
                if (lookup(written, view, op.key()) != null) {
                    changes = true;
                    written = written != null ? written : new HashMap<>();
                    written.put(ByteBuffer.wrap(op.key()), ABSENT);
                }
            }
        }
        return changes ? Verdict.CHANGES : Verdict.NO_CHANGE;
    }

    /**
     * What the write {@code op}, applied as {@code revision} at {@code atMillis}, leaves its key holding as a
     * decision sees it (value and mod revision), or null when it leaves it absent.
     */
    public static Entry leftBy(Op op, long revision, long atMillis) {
        if (op instanceof Op.Set set && set.isLiveAt(atMillis)) {
            return Entry.of(set.key(), set.value(), set.deadlineMillis(), 0, revision, 0);
        }
        return null;
    }

    private static Entry lookup(Map<ByteBuffer, Entry> written, View view, byte[] key) {
        Entry e = written == null ? null : written.get(ByteBuffer.wrap(key));
        if (e == null) {
            return view.live(key);
        }
        return e == ABSENT ? null : e;
    }
}
