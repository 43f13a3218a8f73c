package kvstore.core.wal;

import kvstore.core.store.Op;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes the log worker applied while the tap was open, folded into the final state of each key they
 * touched: the last set of the key, or its delete. Every write is a whole-value set or a delete, so the last
 * one of a key says all there is to know about it. A backup lays this over a snapshot taken meanwhile.
 *
 * <p>Threading: filled by the log worker's thread while open; read by its owner only after the task that
 * closed it has completed, which orders the two.
 */
final class WriteTap {
    private final Map<ByteBuffer, Op> last = new HashMap<>();

    /** Records the writes of one applied unit (a single write or a whole batch), gets skipped. */
    void record(List<Op> ops) {
        for (Op op : ops) {
            if (op.isWrite()) {
                last.put(ByteBuffer.wrap(op.key()), op);
            }
        }
    }

    /** Whether a write touched {@code key} while the tap was open. */
    boolean touched(byte[] key) {
        return last.containsKey(ByteBuffer.wrap(key));
    }

    /** The last write of every key touched: an {@link Op.Set} or an {@link Op.Delete}. */
    Collection<Op> finalWrites() {
        return last.values();
    }
}
