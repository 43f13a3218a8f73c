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
}
