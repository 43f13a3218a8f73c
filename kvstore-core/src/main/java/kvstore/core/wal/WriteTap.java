package kvstore.core.wal;

import kvstore.core.store.Entry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the log worker changed while the tap was open: each key changed, with its entry as the last group that
 * changed it left it (null when it left it absent), and the store's revision when the tap opened and closed. A
 * backup lays this over a snapshot taken meanwhile.
 *
 * <p>Threading: filled by the log worker's thread while open; read by its owner only after the task that
 * closed it has completed, which orders the two.
 */
final class WriteTap {
    private final Map<ByteBuffer, Entry> last = new HashMap<>();
    private long openedAt;
    private long closedAt;

    /** The store stood at {@code revision} when the tap opened. */
    void opened(long revision) {
        openedAt = revision;
    }

    /** The store stood at {@code revision} when the tap closed. */
    void closed(long revision) {
        closedAt = revision;
    }

    /** Records that a group changed {@code key}, leaving it {@code entry} (null: absent). */
    void record(byte[] key, Entry entry) {
        last.put(ByteBuffer.wrap(key), entry);
    }

    /** Whether a write touched {@code key} while the tap was open. */
    boolean touched(byte[] key) {
        return last.containsKey(ByteBuffer.wrap(key));
    }

    /** Whether anything changed while the tap was open. */
    boolean isEmpty() {
        return last.isEmpty() && openedAt == closedAt;
    }

    /** The entries of the keys changed that are held at the close. */
    List<Entry> finalEntries() {
        List<Entry> entries = new ArrayList<>(last.size());
        for (Entry e : last.values()) {
            if (e != null) {
                entries.add(e);
            }
        }
        return entries;
    }

    long openedAt() {
        return openedAt;
    }

    long closedAt() {
        return closedAt;
    }
}
