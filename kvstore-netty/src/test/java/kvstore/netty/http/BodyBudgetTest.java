package kvstore.netty.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyBudgetTest {
    @Test
    void shouldGrantWaitersInTheirOrderAsBytesComeBack() {
        BodyBudget budget = new BodyBudget(100);
        List<String> granted = new ArrayList<>();
        assertTrue(budget.tryTake(80));
        assertFalse(budget.tryTake(30));
        budget.await(30, () -> granted.add("first"));
        budget.await(10, () -> granted.add("second"));
        assertFalse(budget.tryTake(1), "a newcomer waits behind the waiters");
        budget.give(80);
        assertEquals(List.of("first", "second"), granted);
        assertEquals(40, budget.used());
    }

    @Test
    void shouldKeepALargeWaiterAheadOfSmallerOnes() {
        BodyBudget budget = new BodyBudget(100);
        List<String> granted = new ArrayList<>();
        assertTrue(budget.tryTake(60));
        budget.await(90, () -> granted.add("large"));
        budget.await(10, () -> granted.add("small"));
        assertEquals(List.of(), granted);
        budget.give(60);
        assertEquals(List.of("large", "small"), granted);
    }

    @Test
    void shouldTellWhetherACancelledWaitWasAlreadyGranted() {
        BodyBudget budget = new BodyBudget(10);
        BodyBudget.Grant waiter = () -> { };
        assertTrue(budget.tryTake(10));
        budget.await(5, waiter);
        assertTrue(budget.cancel(waiter));
        budget.give(10);
        assertEquals(0, budget.used(), "a cancelled wait is never granted");
        assertTrue(budget.tryTake(10));
        budget.await(5, waiter);
        budget.give(10);
        assertFalse(budget.cancel(waiter), "granted before the cancel: the waiter owns the bytes");
        assertEquals(5, budget.used());
    }

    @Test
    void shouldReportOverCapacityWhenBytesAlreadyReadAreForced() {
        BodyBudget budget = new BodyBudget(10);
        assertTrue(budget.force(10));
        assertFalse(budget.force(1));
        List<String> granted = new ArrayList<>();
        budget.await(0, () -> granted.add("room"));
        budget.give(1);
        assertEquals(List.of("room"), granted);
    }
}
