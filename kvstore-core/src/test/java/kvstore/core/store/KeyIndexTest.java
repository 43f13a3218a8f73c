package kvstore.core.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyIndexTest {
    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    private static Entry entry(String k) {
        return Entry.of(key(k), key("\"" + k + "\""), Entry.NEVER, 1, 1, 1);
    }

    @Test
    void shouldFindReplaceAndRemoveEntriesByKeyBytes() {
        KeyIndex index = new KeyIndex();
        Entry a = entry("a");
        assertNull(index.put(a), "a new key replaces nothing");
        assertSame(a, index.get(key("a")));
        assertNull(index.get(key("b")));
        Entry a2 = entry("a");
        assertSame(a, index.put(a2), "put returns the entry it replaced");
        assertSame(a2, index.get(key("a")));
        assertSame(a2, index.remove(key("a"), null), "remove returns the entry it removed");
        assertNull(index.get(key("a")));
        assertNull(index.remove(key("a"), null));
    }

    @Test
    void shouldSpreadKeysOverEveryPartOfALargeTable() {
        int mask = (1 << 27) - 1;
        int[] quarters = new int[4];
        for (int i = 0; i < 10_000; i++) {
            int slot = KeyIndex.slot(key("k" + i), mask);
            assertTrue(slot >= 0 && slot <= mask, "slot " + slot + " is outside the table");
            quarters[slot >>> 25]++;
        }
        for (int count : quarters) {
            assertTrue(count > 2_000, "keys start in every quarter of the table: " + Arrays.toString(quarters));
        }
    }

    @Test
    void shouldRemoveConditionallyOnlyTheExpectedEntry() {
        KeyIndex index = new KeyIndex();
        Entry old = entry("k");
        Entry newer = entry("k");
        index.put(old);
        index.put(newer);
        assertNull(index.remove(key("k"), old), "a stale expected entry removes nothing");
        assertSame(newer, index.get(key("k")));
        assertSame(newer, index.remove(key("k"), newer));
        assertNull(index.get(key("k")));
    }

    @Test
    void shouldKeepEveryKeyThroughRebuildsAndTombstones() {
        KeyIndex index = new KeyIndex();
        int n = 50_000;
        Entry[] entries = new Entry[n];
        for (int i = 0; i < n; i++) {
            entries[i] = entry("key-" + i);
            index.put(entries[i]);
        }
        for (int i = 0; i < n; i += 2) {
            index.remove(key("key-" + i), null);
        }
        for (int i = 0; i < n; i += 4) {
            entries[i] = entry("key-" + i);
            index.put(entries[i]);
        }
        for (int i = 0; i < n; i++) {
            boolean present = i % 2 == 1 || i % 4 == 0;
            if (present) {
                assertSame(entries[i], index.get(key("key-" + i)), "key-" + i);
            } else {
                assertNull(index.get(key("key-" + i)), "key-" + i);
            }
        }
    }

    @Test
    void shouldNeverLoseAKeyFromAReaderWhileOthersAreWrittenAndRemoved() throws Exception {
        KeyIndex index = new KeyIndex();
        Entry stable = entry("stable");
        index.put(stable);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                if (index.get(key("stable")) != stable) {
                    problem.set("the stable key went missing");
                }
            }
        });
        reader.start();
        for (int i = 0; i < 200_000; i++) {
            index.put(entry("churn-" + (i % 5_000)));
            if (i % 3 == 0) {
                index.remove(key("churn-" + ((i * 7) % 5_000)), null);
            }
        }
        done.set(true);
        reader.join();
        assertNull(problem.get());
        assertSame(stable, index.get(key("stable")));
    }
}
