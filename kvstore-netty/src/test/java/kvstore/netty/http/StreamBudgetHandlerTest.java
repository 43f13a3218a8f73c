package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamBudgetHandlerTest {
    private final ResponseBudget budget = ResponseBudget.unbounded();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    {
        channel.pipeline().addLast(new StreamBudgetHandler(budget, budget.share(channel)));
    }

    @AfterEach
    void noLeaks() {
        for (Object sent; (sent = channel.readOutbound()) != null; ) {
            assertEquals(1, ReferenceCountUtil.refCnt(sent), "one reference, the test's");
            ReferenceCountUtil.release(sent);
        }
        channel.finishAndReleaseAll();
    }

    private static HttpContent chunk(int bytes) {
        return new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    @Test
    void shouldCountAStreamsUnsentChunksOnceTheyAreLargeUntilTheSocketTakesThem() {
        int small = ResponseBudget.LARGE_RESPONSE / 2;
        channel.write(chunk(small));
        assertEquals(0, budget.used(), "a connection holding little is bounded by its write buffer alone");
        channel.write(chunk(small));
        channel.write(chunk(small), channel.voidPromise());
        assertEquals(3L * small, budget.used(), "all of it once it is large, with a void promise too");

        channel.flush();
        assertEquals(0, budget.used(), "given back once the socket took it");
        channel.write(chunk(small));
        assertEquals(0, budget.used());
    }

    @Test
    void shouldGiveBackWhatAClosedConnectionNeverSent() {
        channel.write(chunk(ResponseBudget.LARGE_RESPONSE + 1));
        assertEquals(ResponseBudget.LARGE_RESPONSE + 1, budget.used());
        channel.close();
        assertEquals(0, budget.used());
    }
}
