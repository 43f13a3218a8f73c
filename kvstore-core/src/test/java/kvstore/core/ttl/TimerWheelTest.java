package kvstore.core.ttl;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerWheelTest {
    private static final long TICK = 10;

    private final List<String> fired = new ArrayList<>();

    @Test
    void shouldFireOnlyDueTimers() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 0);
        wheel.schedule(25, "a", 25L);
        wheel.schedule(40, "b", 40L);

        assertEquals(0, wheel.advance(24, this::record));
        assertEquals(List.of(), fired);
        assertEquals(1, wheel.advance(25, this::record));
        assertEquals(List.of("a@25"), fired);
        assertEquals(0, wheel.advance(39, this::record));
        assertEquals(1, wheel.advance(40, this::record));
        assertEquals(List.of("a@25", "b@40"), fired);
    }

    @Test
    void shouldFireEachTimerAtMostOneTickLateWhenAdvancedEveryTick() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 16, 0);
        Random random = new Random(42);
        List<Long> deadlines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            long deadline = 1 + random.nextInt(1000);
            deadlines.add(deadline);
            wheel.schedule(deadline, "t" + i, deadline);
        }
        List<long[]> firings = new ArrayList<>();

        for (long now = 0; now <= 1100; now += TICK) {
            long at = now;
            wheel.advance(now, (key, deadline) -> firings.add(new long[] {deadline, at}));
        }

        assertEquals(deadlines.size(), firings.size());
        for (long[] f : firings) {
            assertTrue(f[1] >= f[0], "fired early: deadline " + f[0] + " at " + f[1]);
            assertTrue(f[1] < f[0] + TICK, "fired more than a tick late: deadline " + f[0] + " at " + f[1]);
        }
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldNotFireTimersOfLaterRoundsEarly() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 0);
        long span = 8 * TICK;
        wheel.schedule(5 + span, "round1", 5 + span);
        wheel.schedule(5 + 3 * span, "round3", 5 + 3 * span);

        for (long now = 0; now < 5 + span; now += TICK / 2) {
            wheel.advance(now, this::record);
        }
        assertEquals(List.of(), fired);
        assertEquals(2, wheel.size());

        wheel.advance(5 + span, this::record);
        assertEquals(List.of("round1@85"), fired);

        for (long now = 5 + span; now < 5 + 3 * span; now += TICK) {
            wheel.advance(now, this::record);
        }
        assertEquals(List.of("round1@85"), fired);
        wheel.advance(5 + 3 * span, this::record);
        assertEquals(List.of("round1@85", "round3@245"), fired);
    }

    @Test
    void shouldFireEverythingDueAfterALongPause() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 0);
        for (long d = 1; d <= 300; d += 7) {
            wheel.schedule(d, "t" + d, d);
        }
        wheel.schedule(10_001, "later", 10_001L);
        int due = wheel.size() - 1;

        assertEquals(due, wheel.advance(10_000, this::record));
        assertEquals(1, wheel.size());
        assertTrue(fired.stream().noneMatch(s -> s.startsWith("later")));

        assertEquals(1, wheel.advance(10_001, this::record));
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldFireTimerScheduledInThePast() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 1000);
        wheel.advance(1055, this::record);

        wheel.schedule(500, "past", 500L);
        wheel.schedule(1052, "earlierInCurrentTick", 1052L);

        assertEquals(2, wheel.advance(1055, this::record));
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldFireTimerLaterInTheCurrentTickOnTheNextAdvance() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 0);
        wheel.advance(12, this::record);
        wheel.schedule(18, "k", 18L);

        assertEquals(0, wheel.advance(17, this::record));
        assertEquals(1, wheel.advance(18, this::record));
    }

    @Test
    void shouldIgnoreClockGoingBackwards() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 0);
        wheel.schedule(100, "k", 100L);
        wheel.advance(95, this::record);

        assertEquals(0, wheel.advance(20, this::record));
        assertEquals(1, wheel.advance(100, this::record));
    }

    @Test
    void shouldCountScheduledTimersUntilFired() {
        TimerWheel<String, Long> wheel = new TimerWheel<>(TICK, 8, 0);
        assertEquals(0, wheel.size());
        wheel.schedule(10, "a", 10L);
        wheel.schedule(10, "a", 10L);
        wheel.schedule(50, "b", 50L);
        assertEquals(3, wheel.size());

        wheel.advance(10, this::record);
        assertEquals(1, wheel.size());
        assertEquals(List.of("a@10", "a@10"), fired);
    }

    @Test
    void shouldHoldManyTimersInOneBucket() {
        TimerWheel<Integer, Long> wheel = new TimerWheel<>(TICK, 4, 0);
        for (int i = 0; i < 1000; i++) {
            wheel.schedule(35 + (i % 2) * 4 * TICK, i, 0L);
        }

        assertEquals(500, wheel.advance(35, (k, v) -> assertEquals(0, k % 2)));
        assertEquals(500, wheel.size());
        assertEquals(500, wheel.advance(75, (k, v) -> assertEquals(1, k % 2)));
        wheel.schedule(80, 1, 0L);
        assertEquals(1, wheel.advance(80, (k, v) -> { }));
    }

    @Test
    void shouldRejectNonPositiveTickOrBucketCount() {
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel<>(0, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel<>(10, 0, 0));
    }

    private void record(String key, Long deadline) {
        fired.add(key + "@" + deadline);
    }
}
