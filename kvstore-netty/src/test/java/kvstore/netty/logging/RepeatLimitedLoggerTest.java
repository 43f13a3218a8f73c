package kvstore.netty.logging;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class RepeatLimitedLoggerTest {
    private static final String TIMED_OUT = "{}: Timed out appendEntries, errorCount={}";

    private final AtomicLong now = new AtomicLong(1_000);
    private final RecordingLogger recorded = new RecordingLogger("org.apache.ratis.grpc.server.GrpcLogAppender");
    private final RepeatLimitedLogger logger = new RepeatLimitedLogger(recorded, now::get);

    @Test
    void shouldLogARepeatedWarningOnceAndCountTheRepeatsInTheNextLine() {
        for (int attempt = 1; attempt <= 5; attempt++) {
            logger.warn(TIMED_OUT, "n1->n2", attempt);
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        logger.warn(TIMED_OUT, "n1->n2", 6);

        assertEquals(List.of("n1->n2: Timed out appendEntries, errorCount=1",
                        "n1->n2: Timed out appendEntries, errorCount=6 (4 more like this since the last one)"),
                texts());
    }

    @Test
    void shouldGiveEachPeerItsOwnLine() {
        logger.warn(TIMED_OUT, "n1->n2", 1);
        logger.warn(TIMED_OUT, "n1->n3", 1);
        logger.warn(TIMED_OUT, "n1->n2", 2);

        assertEquals(List.of("n1->n2: Timed out appendEntries, errorCount=1",
                "n1->n3: Timed out appendEntries, errorCount=1"), texts());
    }

    @Test
    void shouldCountAMessageFormattedBeforehandAsOneKindPerPeer() {
        for (int repeats = 5; repeats < 8; repeats++) {
            logger.warn("n1@group-1A->n2-Handler: Failed appendEntries (Repeated " + repeats + " times in the last 5.001s)");
        }
        logger.warn("n1@group-1A->n3-Handler: Failed appendEntries (Repeated 2 times in the last 4.2s)");

        assertEquals(List.of("n1@group-1A->n2-Handler: Failed appendEntries (Repeated 5 times in the last 5.001s)",
                "n1@group-1A->n3-Handler: Failed appendEntries (Repeated 2 times in the last 4.2s)"), texts());
    }

    @Test
    void shouldKeepTheLevelAndTheCause() {
        IOException refused = new IOException("Connection refused");
        logger.error("{}: Failed appendEntries", "n1->n2", refused);
        logger.error("{}: Failed appendEntries", "n1->n2", refused);

        assertEquals(1, recorded.lines.size());
        RecordingLogger.Line line = recorded.lines.get(0);
        assertEquals(Level.ERROR, line.level());
        assertEquals("n1->n2: Failed appendEntries", line.text());
        assertSame(refused, line.cause());
    }

    @Test
    void shouldPassLowerLevelsThroughUnlimited() {
        for (int i = 0; i < 3; i++) {
            logger.info("{}: changes role to {}", "n1", "LEADER");
        }

        assertEquals(3, recorded.lines.size());
        assertEquals(Level.INFO, recorded.lines.get(2).level());
        assertEquals("n1: changes role to LEADER", recorded.lines.get(2).text());
    }

    private List<String> texts() {
        return recorded.lines.stream().map(RecordingLogger.Line::text).toList();
    }
}
