package kvstore.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WatchCursorTest {
    @Test
    void shouldAcceptEachChangeOnceInOrder() {
        WatchCursor cursor = new WatchCursor(5);
        assertFalse(cursor.accept(4, "a"), "before the first wanted revision");
        assertTrue(cursor.accept(5, "a"));
        assertFalse(cursor.accept(5, "a"), "the same change again");
        assertTrue(cursor.accept(6, "a"));
        assertFalse(cursor.accept(5, "b"), "an older revision after a newer one");
        assertEquals(5, cursor.complete());
    }

    @Test
    void shouldResumeInsideABatchWithoutRepeatingItsKeys() {
        WatchCursor cursor = new WatchCursor(1);
        assertTrue(cursor.accept(3, "x"));
        assertTrue(cursor.accept(9, "a"));
        assertTrue(cursor.accept(9, "b"));
        // the connection drops in the middle of batch 9: the watch asks again after 3, the last complete revision
        assertEquals(3, cursor.complete());
        assertFalse(cursor.accept(9, "a"));
        assertFalse(cursor.accept(9, "b"));
        assertTrue(cursor.accept(9, "c"), "the rest of the batch");
        assertTrue(cursor.accept(10, "a"));
        assertEquals(9, cursor.complete());
    }

    @Test
    void shouldCountAProgressEventAsEverythingUpToItsRevision() {
        WatchCursor cursor = new WatchCursor(1);
        assertTrue(cursor.accept(2, "a"));
        cursor.progress(7);
        assertEquals(7, cursor.complete());
        assertFalse(cursor.accept(7, "z"));
        assertTrue(cursor.accept(8, "a"));
        cursor.progress(6);
        assertEquals(7, cursor.complete(), "an older progress changes nothing");
    }
}
