package kvstore.core.wal;

import kvstore.core.store.Conditions;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;

import java.util.ArrayList;
import java.util.List;

/**
 * One group decided before any of it is written: the store's entries due by the group's time, each expired by
 * a change of its own first; then each append's checks and whether it changes anything (over the group's earlier
 * appends, see {@link GroupView}); each append that changes something gets the next revision, and its first line
 * is finished with it. An append refused by a check, or one that changes nothing (a delete of a missing key),
 * writes nothing and takes no revision; it is answered with the group, after the group's fsync.
 *
 * <p>Threading: the log worker's thread only; reused group after group.
 */
final class GroupPlan {
    private final Store store;
    private final WalEncoder encoder = new WalEncoder();
    private final GroupView view;
    /** The lines to write, in log order. */
    private final List<byte[]> lines = new ArrayList<>();
    /** The keys the group changes, in log order, each as often as a write of it. */
    private final List<byte[]> changedKeys = new ArrayList<>();
    private List<Entry> expiries = List.of();
    private long firstExpiry;
    /** Per append: the revision it is applied as ({@link Store#NO_REVISION}: it changes nothing). */
    private long[] revisions = new long[64];
    /** Per append: the revision its answer reflects. */
    private long[] reflects = new long[64];
    /** Per append: its refusal, or null. */
    private Outcome[] refusals = new Outcome[64];
    private long atMillis;
    /**
     * Whether the log is of an older version, so its first lines of this version must follow a version mark (with
     * the revision the store stands at before them).
     */
    private boolean markPending;

    GroupPlan(Store store, boolean markPending) {
        this.store = store;
        this.view = new GroupView(store);
        this.markPending = markPending;
    }

    /** Decides {@code appends} at {@code atMillis}, after the store's due entries; the store is as the last group left it. */
    void decide(List<LogTask.Append> appends, long atMillis) {
        this.atMillis = atMillis;
        lines.clear();
        changedKeys.clear();
        view.reset(atMillis);
        if (revisions.length < appends.size()) {
            int capacity = Math.max(appends.size(), revisions.length * 2);
            revisions = new long[capacity];
            reflects = new long[capacity];
            refusals = new Outcome[capacity];
        }
        long next = store.revision();
        long before = next;
        expiries = store.dueEntries(atMillis);
        firstExpiry = next + 1;
        for (Entry e : expiries) {
            lines.add(encoder.encodeExpire(e.key(), atMillis, ++next));
            changedKeys.add(e.key());
        }
        for (int i = 0; i < appends.size(); i++) {
            LogTask.Append a = appends.get(i);
            List<Op> ops = a.ops();
            Conditions.Verdict verdict = Conditions.decide(ops, view, next + 1, atMillis);
            refusals[i] = verdict.refused() ? Outcome.refused(next, verdict.failedIndex(),
                    ops.get(verdict.failedIndex()).key(), verdict.failedModRevision()) : null;
            if (verdict.changes()) {
                next++;
                lines.add(a.lines().head());
                lines.add(encoder.finish(a.lines().head(), next));
                if (a.lines().tail().length > 0) {
                    lines.add(a.lines().tail());
                }
                view.wrote(ops, next);
                for (Op op : ops) {
                    if (op.isWrite()) {
                        changedKeys.add(op.key());
                    }
                }
            }
            revisions[i] = verdict.changes() ? next : Store.NO_REVISION;
            reflects[i] = next;
        }
        if (markPending && !lines.isEmpty()) {
            lines.add(0, encoder.encodeVersionMark(before));
        }
    }

    /** The group's lines are in the log: a version mark they carried is written. */
    void written() {
        markPending = false;
    }

    /** The lines to write, in log order; empty when the group changes nothing. */
    List<byte[]> lines() {
        return lines;
    }

    /** Applies the group to the store, in log order, once its lines are durable. */
    void applyExpiries() {
        store.expire(expiries, firstExpiry, atMillis);
    }

    /** How many entries the group expires. */
    int expiryCount() {
        return expiries.size();
    }

    /** The group could not be logged: its expiries go back on the store's schedule, to be tried again. */
    void abandon() {
        store.reschedule(expiries);
        expiries = List.of();
    }

    /** Applies the {@code i}-th append of the group, after the expiries and the appends before it; its outcome. */
    Outcome apply(int i, List<Op> ops) {
        if (refusals[i] != null) {
            return refusals[i];
        }
        return Outcome.applied(reflects[i], store.apply(ops, revisions[i], atMillis));
    }

    /** The keys the group changed, in log order (a key as often as it was written). */
    List<byte[]> changedKeys() {
        return changedKeys;
    }
}
