package kvstore.netty.logging;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

class QuietRatisLoggersTest {
    private final QuietRatisLoggers loggers = new QuietRatisLoggers(RecordingLogger::new, () -> 0L);

    @Test
    void shouldWrapRatisLoggersOnceEach() {
        Logger appender = loggers.getLogger("org.apache.ratis.grpc.server.GrpcLogAppender");

        assertInstanceOf(RepeatLimitedLogger.class, appender);
        assertSame(appender, loggers.getLogger("org.apache.ratis.grpc.server.GrpcLogAppender"));
    }

    @Test
    void shouldLeaveEveryOtherLoggerAsItIs() {
        assertInstanceOf(RecordingLogger.class, loggers.getLogger("kvstore"));
        assertInstanceOf(RecordingLogger.class, loggers.getLogger("io.netty.channel.DefaultChannelPipeline"));
    }

    @Test
    void shouldBeTheFactorySlf4jUses() {
        assertInstanceOf(RepeatLimitedLogger.class, LoggerFactory.getLogger("org.apache.ratis.server.RaftServer"));
    }
}
