package kvstore.netty.http;

import io.netty.channel.embedded.EmbeddedChannel;
import kvstore.core.RateLimitedLog;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AcceptFailureHandlerTest {
    private final EmbeddedChannel listener = new EmbeddedChannel(
            new AcceptFailureHandler(new RateLimitedLog(LoggerFactory.getLogger("test"), () -> 0L)));

    @Test
    void shouldKeepAFailedAcceptFromTheEndOfThePipeline() {
        for (int i = 0; i < 3; i++) {
            listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        }

        assertDoesNotThrow(listener::checkException);
    }

    @Test
    void shouldPassOnAnythingElse() {
        listener.pipeline().fireExceptionCaught(new IllegalStateException("not an accept failure"));

        assertThrows(IllegalStateException.class, listener::checkException);
    }
}
