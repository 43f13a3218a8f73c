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

    @Test
    void shouldCloseTheConnectionsThatHaveHeldTheirResponsesLongestWhileOverCapacity() {
        EmbeddedChannel oldest = new EmbeddedChannel();
        EmbeddedChannel older = new EmbeddedChannel();
        EmbeddedChannel newest = new EmbeddedChannel();
        ResponseBudget.Share a = budget.share(oldest);
        ResponseBudget.Share b = budget.share(older);
        ResponseBudget.Share c = budget.share(newest);
        budget.take(a, 40);
        budget.take(b, 40);
        budget.take(a, 10);
        budget.take(c, 70);

        assertFalse(oldest.isOpen(), "held its responses the longest");
        assertFalse(older.isOpen(), "still over capacity without the oldest");
        assertTrue(newest.isOpen());
        assertEquals(70, budget.used());
    }

    @Test
    void shouldNeverCloseTheOnlyConnectionHoldingResponsesSoAnyResponseCanBeSent() {
        EmbeddedChannel alone = new EmbeddedChannel();
        ResponseBudget.Share share = budget.share(alone);
        budget.take(share, 500);
        assertTrue(alone.isOpen());
        budget.give(share, 500);
        assertEquals(0, budget.used());
    }

    @Test
    void shouldPutAConnectionThatSentEverythingBehindTheOthersWhenItHoldsAgain() {
        EmbeddedChannel reader = new EmbeddedChannel();
        EmbeddedChannel stalled = new EmbeddedChannel();
        ResponseBudget.Share r = budget.share(reader);
        ResponseBudget.Share s = budget.share(stalled);
        budget.take(r, 50);
        budget.take(s, 40);
        budget.give(r, 50);
        budget.take(r, 70);

        assertFalse(stalled.isOpen(), "the reader sent its first response: the stalled one has held longest");
        assertTrue(reader.isOpen());
    }

    @Test
    void shouldNotCountTheBytesAClosedConnectionGivesBackLater() {
        EmbeddedChannel evicted = new EmbeddedChannel();
        EmbeddedChannel other = new EmbeddedChannel();
        ResponseBudget.Share e = budget.share(evicted);
        ResponseBudget.Share o = budget.share(other);
        budget.take(e, 60);
        budget.take(o, 60);
        budget.give(e, 60);
        budget.take(e, 30);

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
