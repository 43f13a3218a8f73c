package kvstore.core.store;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConditionsTest {
    private static final long NOW = 1_000_000L;

    private final Map<String, Entry> held = new HashMap<>();
    private int lookups;
    private final Conditions.View view = key -> {
        lookups++;
        return held.get(new String(key, StandardCharsets.UTF_8));
    };

    @Test
    void shouldDecideASetWithoutLookingAnythingUp() {
        Conditions.Verdict verdict = Conditions.decide(List.of(set("k", "1")), view, 9, NOW);

        assertTrue(verdict.changes());
        assertFalse(verdict.refused());
        assertEquals(0, lookups);
    }

    @Test
    void shouldFindADeleteOfAMissingKeyChangesNothing() {
        hold("present", "1", 4);

        assertFalse(Conditions.decide(List.of(new Op.Delete(utf8("missing"))), view, 9, NOW).changes());
        assertTrue(Conditions.decide(List.of(new Op.Delete(utf8("present"))), view, 9, NOW).changes());
        assertFalse(Conditions.decide(List.of(new Op.Delete(utf8("missing")), new Op.Get(utf8("present"))),
                view, 9, NOW).changes());
    }

    @Test
    void shouldCheckModRevisionExistenceAndValue() {
        hold("k", "{\"a\":1,\"b\":[1.0,2]}", 4);

        assertHolds(new Condition.ModRevision(4), true);
        assertHolds(new Condition.ModRevision(5), false);
        assertHolds(new Condition.ModRevision(0), false);
        assertHolds(new Condition.Exists(true), true);
        assertHolds(new Condition.Exists(false), false);
        assertHolds(new Condition.ValueEquals(utf8("{\"b\":[1,2e0],\"a\":1}")), true);
        assertHolds(new Condition.ValueEquals(utf8("{\"a\":1}")), false);
        held.clear();
        assertHolds(new Condition.ModRevision(0), true);
        assertHolds(new Condition.ModRevision(-1), false);
        assertHolds(new Condition.Exists(false), true);
        assertHolds(new Condition.ValueEquals(utf8("null")), false);
    }

    @Test
    void shouldLetACheckSeeTheUnitsEarlierOperations() {
        hold("k", "1", 4);

        Conditions.Verdict afterSet = Conditions.decide(List.of(set("k", "2"),
                new Op.Check(utf8("k"), new Condition.ModRevision(9)),
                new Op.Check(utf8("k"), new Condition.ValueEquals(utf8("2")))), view, 9, NOW);
        Conditions.Verdict afterDelete = Conditions.decide(List.of(new Op.Delete(utf8("k")),
                new Op.Check(utf8("k"), new Condition.Exists(true))), view, 9, NOW);

        assertTrue(afterSet.changes());
        assertFalse(afterSet.refused());
        assertTrue(afterDelete.refused());
        assertEquals(1, afterDelete.failedIndex());
        assertEquals(0, afterDelete.failedModRevision());
    }

    @Test
    void shouldTreatASetWhoseDeadlineHasPassedAsLeavingTheKeyAbsent() {
        Conditions.Verdict verdict = Conditions.decide(List.of(new Op.Set(utf8("k"), utf8("1"), NOW),
                new Op.Check(utf8("k"), new Condition.Exists(false))), view, 9, NOW);

        assertTrue(verdict.changes());
        assertFalse(verdict.refused());
    }

    @Test
    void shouldReportTheFirstFailingCheckWithTheKeysCurrentModRevision() {
        hold("a", "1", 3);
        hold("b", "1", 5);

        Conditions.Verdict verdict = Conditions.decide(List.of(
                new Op.Check(utf8("a"), new Condition.ModRevision(3)),
                new Op.Check(utf8("b"), new Condition.ModRevision(4)),
                new Op.Check(utf8("a"), new Condition.Exists(false))), view, 9, NOW);

        assertEquals(1, verdict.failedIndex());
        assertEquals(5, verdict.failedModRevision());
    }

    private void assertHolds(Condition condition, boolean expected) {
        Conditions.Verdict verdict = Conditions.decide(List.of(new Op.Check(utf8("k"), condition), set("k", "0")),
                view, 9, NOW);
        assertEquals(!expected, verdict.refused(), condition.toString());
    }

    private void hold(String key, String json, long modRevision) {
        held.put(key, Entry.of(utf8(key), utf8(json), Entry.NEVER, 1, modRevision, 1));
    }

    private static Op.Set set(String key, String json) {
        return new Op.Set(utf8(key), utf8(json), Entry.NEVER);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
