package kvstore.core.watch;

import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        append(history, 2, 2 * History.SEGMENT);
        History.Cursor later = history.open(2 * History.SEGMENT);
        assertTrue(later.peek());
        WeakReference<byte[]> event = new WeakReference<>(later.event(change -> new byte[1024]));
        later = null;
        append(history, 2 * History.SEGMENT + 1, 4 * History.SEGMENT);

        for (int i = 0; i < 20 && event.get() != null; i++) {
            System.gc();
        }

        assertTrue(event.get() == null, "a dropped segment still led to a later one");
        assertTrue(stale.peek());
        assertTrue(stale.behind());
    }

    @Test
    void shouldGiveBackEachChangeAsItWasAppended() throws Exception {
        byte[] large = new byte[HistorySegment.INLINE_VALUE + 1];
        List<Change> unit = List.of(
                new Change(Change.Type.PUT, bytes("a"), bytes("{\"x\":[1,2]}"), 7, 3, 5, 1_700_000_000_000L),
                new Change(Change.Type.DELETE, bytes("b/c"), null, 7, 0, 0, Entry.NEVER),
                new Change(Change.Type.EXPIRE, bytes(""), null, 7, 0, 0, Entry.NEVER),
                new Change(Change.Type.PUT, bytes("big"), large, 7, 7, 1, Entry.NEVER));
        History history = new History(100);
        history.startAt(6);
        history.append(7, unit);

        History.Cursor reader = history.open(7);
        for (Change expected : unit) {
            assertTrue(reader.peek());
            assertEquals(7, reader.revision());
            assertTrue(reader.isFor(WatchedKeys.prefix(bytes(""))));
            assertTrue(reader.isFor(WatchedKeys.key(expected.key())));
            assertFalse(reader.isFor(WatchedKeys.key(bytes("zz"))));
            Change[] made = new Change[1];
            reader.event(change -> {
                made[0] = change;
                return new byte[0];
            });
            assertEquals(expected.type(), made[0].type());
            assertArrayEquals(expected.key(), made[0].key());
            assertArrayEquals(expected.value(), made[0].value());
            assertEquals(List.of(expected.revision(), expected.createRevision(), expected.version(), expected.deadlineMillis()),
                    List.of(made[0].revision(), made[0].createRevision(), made[0].version(), made[0].deadlineMillis()));
            reader.advance();
        }
        assertFalse(reader.peek());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldTellAReaderWhoseSegmentWasDroppedUnderItThatItIsBehind() throws Exception {
        History history = new History(History.SEGMENT);
        append(history, 1, History.SEGMENT);
        History.Cursor reader = history.open(1);
        for (int i = 0; i < History.SEGMENT; i++) {
            assertTrue(reader.peek());
            assertEquals(i + 1, reader.revision());
            reader.advance();
        }
        append(history, History.SEGMENT + 1, 3 * History.SEGMENT);

        assertTrue(reader.peek(), "a reader behind is given something to look at");
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

        assertTrue(reader.peek());
        assertFalse(reader.behind());
        assertEquals(History.SEGMENT + 1, reader.revision());
    }
}
