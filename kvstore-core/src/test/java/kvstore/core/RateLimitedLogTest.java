package kvstore.core;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RateLimitedLogTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger("test"), 10, TimeUnit.SECONDS,
            now::get);

    @Test
    void shouldLogTheFirstWarningAndCountTheRepeatsUntilTheIntervalIsOver() {
        assertEquals(0, log.admit("disk full"));
        assertEquals(-1, log.admit("disk full"));
        assertEquals(-1, log.admit("disk full"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        assertEquals(2, log.admit("disk full"), "the next line says how many were left out");
        assertEquals(-1, log.admit("disk full"));
    }

    @Test
    void shouldLimitEachWarningOnItsOwn() {
        assertEquals(0, log.admit("disk full"));
        assertEquals(0, log.admit("too many connections"));
        assertEquals(-1, log.admit("disk full"));
    }

    @Test
    void shouldForgetEveryKindRatherThanGrowPastTheBound() {
        for (int i = 0; i < RateLimitedLog.MAX_KINDS; i++) {
            assertEquals(0, log.admit("peer " + i));
        }
        assertEquals(-1, log.admit("peer 0"), "a known kind is still limited at the bound");
        assertEquals(0, log.admit("one kind too many"));
        assertEquals(0, log.admit("peer 0"), "forgotten: logged again");
    }
}
