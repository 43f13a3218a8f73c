package kvstore.core.watch;

import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryTest {
    private static Change put(long revision) {
        byte[] key = ("k" + revision).getBytes(StandardCharsets.UTF_8);
        return new Change(Change.Type.PUT, key, "1".getBytes(StandardCharsets.UTF_8), revision, revision, 1, Entry.NEVER);
    }

    /** Appends one change per revision, from {@code first} to {@code last}. */
    private static void append(History history, long first, long last) {
        for (long r = first; r <= last; r++) {
            history.append(r, List.of(put(r)));
        }
    }

    @Test
    void shouldLetTheChangesItDroppedBeCollectedWhileAReaderHoldsTheOldestSegment() throws Exception {
        History history = new History(10);
        append(history, 1, 1);
        History.Cursor stale = history.open(1);
        Change dropped = put(2 * History.SEGMENT);
        WeakReference<Change> ref = new WeakReference<>(dropped);
        append(history, 2, 2 * History.SEGMENT - 1);
        history.append(2 * History.SEGMENT, List.of(dropped));
        dropped = null;
        append(history, 2 * History.SEGMENT + 1, 4 * History.SEGMENT);

        for (int i = 0; i < 20 && ref.get() != null; i++) {
            System.gc();
        }

        assertNull(ref.get(), "a dropped segment still led to a later one");
        assertNotNull(stale.peek());
        assertTrue(stale.behind());
    }

    @Test
    void shouldTellAReaderWhoseSegmentWasDroppedUnderItThatItIsBehind() throws Exception {
        History history = new History(History.SEGMENT);
        append(history, 1, History.SEGMENT);
        History.Cursor reader = history.open(1);
        for (int i = 0; i < History.SEGMENT; i++) {
            assertEquals(i + 1, reader.peek().revision());
            reader.advance();
        }
        append(history, History.SEGMENT + 1, 3 * History.SEGMENT);

        assertNotNull(reader.peek(), "a reader behind is given something to look at");
        assertTrue(reader.behind());
    }

    @Test
    void shouldLetAReaderAtTheEndOfADroppedSegmentGoOnWhenNothingItNeedsWasDropped() throws Exception {
        History history = new History(1);
        append(history, 1, 1);
        History.Cursor reader = history.open(1);
        for (long r = 2; r <= History.SEGMENT; r++) {
            reader.advance();
            append(history, r, r);
        }
        reader.advance();
        // The reader has seen the whole first segment; the next change starts the second, and keeping one change
        // drops the first segment with the reader still on it.
        append(history, History.SEGMENT + 1, History.SEGMENT + 1);

        Change next = reader.peek();
        assertFalse(reader.behind());
        assertEquals(History.SEGMENT + 1, next.revision());
    }
}
