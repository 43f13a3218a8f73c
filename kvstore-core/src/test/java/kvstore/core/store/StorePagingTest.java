package kvstore.core.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StorePagingTest {
    private static final long NOW = 1_000_000L;

    private final Store store = new Store();

    @Test
    void shouldReturnAtMostMaxKeysFromTheFirst() {
        setAll("a1", "a2", "a3", "b1");

        assertEquals(List.of("a1", "a2"), strings(store.keysAfter(utf8("a"), null, 2, NOW)));
        assertEquals(List.of("a1", "a2", "a3"), strings(store.keysAfter(utf8("a"), null, 10, NOW)));
    }

    @Test
    void shouldStartStrictlyAfterTheGivenKey() {
        setAll("a1", "a2", "a3", "a4");

        assertEquals(List.of("a3", "a4"), strings(store.keysAfter(utf8("a"), utf8("a2"), 5, NOW)));
        assertEquals(List.of("a3"), strings(store.keysAfter(utf8("a"), utf8("a2x"), 1, NOW)),
                "after need not be a stored key");
        assertEquals(List.of(), strings(store.keysAfter(utf8("a"), utf8("a4"), 5, NOW)));
    }

    @Test
    void shouldStartAtThePrefixWhenAfterSortsBeforeIt() {
        setAll("a1", "b1", "b2");

        assertEquals(List.of("b1", "b2"), strings(store.keysAfter(utf8("b"), utf8("a9"), 5, NOW)));
        assertEquals(List.of("b1", "b2"), strings(store.keysAfter(utf8("b"), utf8(""), 5, NOW)));
    }

    @Test
    void shouldExcludeThePrefixItselfWhenAfterEqualsIt() {
        setAll("b", "b1");

        assertEquals(List.of("b", "b1"), strings(store.keysAfter(utf8("b"), null, 5, NOW)));
        assertEquals(List.of("b1"), strings(store.keysAfter(utf8("b"), utf8("b"), 5, NOW)));
    }

    @Test
    void shouldStopAtTheEndOfThePrefix() {
        setAll("a1", "a2", "b1");

        assertEquals(List.of(), strings(store.keysAfter(utf8("a"), utf8("a2"), 5, NOW)));
        assertEquals(List.of(), strings(store.keysAfter(utf8("a"), utf8("b"), 5, NOW)),
                "after past every key of the prefix");
    }

    @Test
    void shouldSkipExpiredKeysWithoutCountingThem() {
        store.applyUnit(List.of(new Op.Set(utf8("a1"), utf8("1"), NOW + 5)), NOW);
        store.applyUnit(List.of(new Op.Set(utf8("a2"), utf8("1"), NOW + 5)), NOW);
        setAll("a3", "a4");

        assertEquals(List.of("a1", "a2"), strings(store.keysAfter(utf8("a"), null, 2, NOW)));
        assertEquals(List.of("a3", "a4"), strings(store.keysAfter(utf8("a"), null, 2, NOW + 5)));
    }

    @Test
    void shouldPageInUnsignedUtf8ByteOrder() {
        // U+FFFD sorts before U+1F600 in UTF-8 bytes, after it in UTF-16 units.
        setAll("k\uFFFD", "k\uD83D\uDE00", "ka");

        assertEquals(List.of("ka", "k\uFFFD"), strings(store.keysAfter(utf8("k"), null, 2, NOW)));
        assertEquals(List.of("k\uD83D\uDE00"), strings(store.keysAfter(utf8("k"), utf8("k\uFFFD"), 2, NOW)));
    }

    @Test
    void shouldWalkTheWholePrefixPageByPage() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 57; i++) {
            all.add(String.format("p%03d", i));
        }
        setAll(all.toArray(new String[0]));
        setAll("q1");

        List<String> walked = new ArrayList<>();
        byte[] after = null;
        while (true) {
            List<byte[]> page = store.keysAfter(utf8("p"), after, 10, NOW);
            walked.addAll(strings(page));
            if (page.size() < 10) {
                break;
            }
            after = page.get(page.size() - 1);
        }
        assertEquals(all, walked);
    }

    private void setAll(String... keys) {
        for (String k : keys) {
            store.applyUnit(List.of(new Op.Set(utf8(k), utf8("1"), Entry.NEVER)), NOW);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(List<byte[]> keys) {
        List<String> out = new ArrayList<>();
        for (byte[] k : keys) {
            out.add(new String(k, StandardCharsets.UTF_8));
        }
        return out;
    }
}
