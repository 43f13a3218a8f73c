package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.core.RateLimitedLog;
import kvstore.core.time.NanoClock;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponseBudgetTest {
    private final ResponseBudget budget = new ResponseBudget(100,
            new RateLimitedLog(LoggerFactory.getLogger(ResponseBudgetTest.class), NanoClock.SYSTEM));

    /** A connection of its own, and its share of the budget. */
    private record Connection(EmbeddedChannel channel, ResponseBudget.Share share) {
    }

    private Connection connection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        return new Connection(channel, budget.share(channel));
    }

    @Test
    void shouldCloseTheConnectionsThatHaveHeldTheirResponsesLongestWhileOverCapacity() {
        Connection oldest = connection();
        Connection older = connection();
        Connection newest = connection();
        budget.take(oldest.share(), 40);
        budget.take(older.share(), 40);
        budget.take(oldest.share(), 10);
        budget.take(newest.share(), 70);

        assertFalse(oldest.channel().isOpen(), "held its responses the longest");
        assertFalse(older.channel().isOpen(), "still over capacity without the oldest");
        assertTrue(newest.channel().isOpen());
        assertEquals(70, budget.used());
    }

    @Test
    void shouldNeverCloseTheOnlyConnectionHoldingResponsesSoAnyResponseCanBeSent() {
        Connection alone = connection();
        budget.take(alone.share(), 500);
        assertTrue(alone.channel().isOpen());
        budget.give(alone.share(), 500);
        assertEquals(0, budget.used());
    }

    @Test
    void shouldPutAConnectionThatSentEverythingBehindTheOthersWhenItHoldsAgain() {
        Connection reader = connection();
        Connection stalled = connection();
        budget.take(reader.share(), 50);
        budget.take(stalled.share(), 40);
        budget.give(reader.share(), 50);
        budget.take(reader.share(), 70);

        assertFalse(stalled.channel().isOpen(), "the reader sent its first response: the stalled one has held longest");
        assertTrue(reader.channel().isOpen());
    }

    @Test
    void shouldNotCountTheBytesAClosedConnectionGivesBackLater() {
        Connection evicted = connection();
        Connection other = connection();
        budget.take(evicted.share(), 60);
        budget.take(other.share(), 60);
        assertFalse(evicted.channel().isOpen());
        budget.give(evicted.share(), 60);
        budget.take(evicted.share(), 30);

        assertEquals(60, budget.used());
    }

    @Test
    void shouldCountALargeResponseUntilItsWriteCompletesAndASmallOneNever() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseOrder(budget));
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/kv/a"),
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health"));
        for (int i = 0; i < 2; i++) {
            ((SequencedRequest) ch.readInbound()).request().release();
        }
        int large = ResponseBudget.LARGE_RESPONSE + 1;
        ch.write(new SequencedResponse(0, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.buffer(large).writeZero(large)), false), ch.voidPromise());
        assertEquals(large, budget.used());
        ch.write(new SequencedResponse(1, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.buffer(10).writeZero(10)), false), ch.voidPromise());
        assertEquals(large, budget.used());

        ch.flush();
        assertEquals(0, budget.used());
        ch.finishAndReleaseAll();
    }
}
