package kvstore.core.wal;

import kvstore.core.store.Conditions;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys as an append of a group must be decided against: the store as the earlier groups left it, under the
 * writes of this group's earlier appends, decided but not applied yet (they are applied after the group's
 * fsync). A key due by the group's time reads as absent: the group expires it first.
 *
 * <p>The writes of the group's appends are only noted as they are decided; they are laid over the store the
 * first time a decision looks a key up, so a group of plain sets, which look nothing up, costs nothing here.
 *
 * <p>Threading: the log worker's thread only; reused group after group.
 */
final class GroupView implements Conditions.View {
    /** What a key holds after a write of the group that left it absent. */
    private static final Entry ABSENT = Entry.of(new byte[0], new byte[0], Entry.NEVER, 0, 0, 0);

    private final Store store;
    private final List<List<Op>> units = new ArrayList<>();
    private long[] revisions = new long[64];
    private final Map<ByteBuffer, Entry> written = new HashMap<>();
    /** How many of {@link #units} are laid into {@link #written}; none until a decision looks a key up. */
    private int laid;
    private boolean looked;
    private long atMillis;

    GroupView(Store store) {
        this.store = store;
    }

    /** Starts the view of a new group, decided at {@code atMillis}. */
    void reset(long atMillis) {
        this.atMillis = atMillis;
        units.clear();
        written.clear();
        laid = 0;
        looked = false;
    }

    /** Notes the writes of an append decided as {@code revision}: the group's later appends see them. */
    void wrote(List<Op> ops, long revision) {
        if (units.size() == revisions.length) {
            revisions = Arrays.copyOf(revisions, revisions.length * 2);
        }
        revisions[units.size()] = revision;
        units.add(ops);
        if (looked) {
            layPending();
        }
    }

    @Override
    public Entry live(byte[] key) {
        looked = true;
        layPending();
        Entry e = written.get(ByteBuffer.wrap(key));
        if (e == null) {
            return store.get(key, atMillis);
        }
        return e == ABSENT ? null : e;
    }

    private void layPending() {
        for (; laid < units.size(); laid++) {
            for (Op op : units.get(laid)) {
                if (op.isWrite()) {
                    Entry left = Conditions.leftBy(op, revisions[laid], atMillis);
                    written.put(ByteBuffer.wrap(op.key()), left != null ? left : ABSENT);
                }
            }
        }
    }
}
