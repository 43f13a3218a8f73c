package kvstore.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BackoffTest {
    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    @Test
    void shouldDoubleUpToTheLongestPauseAndStartAgainAfterReset() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(500), () -> 0.999_999_999);
        assertEquals(100, millis(backoff.nextNanos()));
        assertEquals(200, millis(backoff.nextNanos()));
        assertEquals(400, millis(backoff.nextNanos()));
        assertEquals(500, millis(backoff.nextNanos()));
        assertEquals(500, millis(backoff.nextNanos()));
        backoff.reset();
        assertEquals(100, millis(backoff.nextNanos()));
    }

    @Test
    void shouldDrawEachPauseBetweenHalfAndAllOfItsStep() {
        Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0);
        assertEquals(50, millis(low.nextNanos()));
        assertEquals(100, millis(low.nextNanos()));
        Backoff middle = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.5);
        assertEquals(75, millis(middle.nextNanos()));
    }
}
