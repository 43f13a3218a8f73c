package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponseOrderTest {
    /** Keeps the requests it is given, so the test decides when and in which order each is answered. */
    private static final class Holder extends ChannelInboundHandlerAdapter {
        final List<SequencedRequest> requests = new ArrayList<>();
        ChannelHandlerContext ctx;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            this.ctx = ctx;
            SequencedRequest r = (SequencedRequest) msg;
            r.request().release();
            requests.add(r);
        }

        void answer(int i, boolean close) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copyInt(requests.get(i).sequence()));
            ctx.writeAndFlush(new SequencedResponse(requests.get(i).sequence(), response, close));
        }
    }

    private static DefaultFullHttpRequest request() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/health");
    }

    private static int nextAnswer(EmbeddedChannel ch) {
        FullHttpResponse response = ch.readOutbound();
        try {
            return response.content().readInt();
        } finally {
            response.release();
        }
    }

    @Test
    void shouldHoldALaterResponseUntilTheEarlierOnesAreWritten() {
        Holder holder = new Holder();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseOrder(), holder);
        ch.writeInbound(request(), request(), request());
        holder.answer(2, false);
        holder.answer(1, false);
        assertNull(ch.readOutbound(), "nothing may leave before the first response");
        holder.answer(0, false);
        assertEquals(0, nextAnswer(ch));
        assertEquals(1, nextAnswer(ch));
        assertEquals(2, nextAnswer(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCloseAfterAResponseThatAsksForItAndDropLaterOnes() {
        Holder holder = new Holder();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseOrder(), holder);
        ch.writeInbound(request(), request());
        holder.answer(1, false);
        holder.answer(0, true);
        assertEquals(0, nextAnswer(ch));
        assertNull(ch.readOutbound());
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldPauseReadingWhileTooManyResponsesAreOutstanding() {
        Holder holder = new Holder();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseOrder(), holder);
        for (int i = 0; i < ResponseOrder.PAUSE_READING_AT; i++) {
            ch.writeInbound(request());
        }
        assertFalse(ch.config().isAutoRead());
        for (int i = 0; i < ResponseOrder.PAUSE_READING_AT - ResponseOrder.RESUME_READING_AT; i++) {
            holder.answer(i, false);
        }
        assertTrue(ch.config().isAutoRead());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldStopReadingWhileTheClientDoesNotReadItsResponses() {
        Holder holder = new Holder();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseOrder(), holder);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.runPendingTasks();
        assertFalse(ch.config().isAutoRead());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCloseAfterTheLastAnswerOnceTheClientHasHalfClosed() {
        Holder holder = new Holder();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseOrder(), holder);
        ch.writeInbound(request(), request());
        ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        holder.answer(0, false);
        assertTrue(ch.isOpen(), "one answer is still owed");
        holder.answer(1, false);
        assertEquals(0, nextAnswer(ch));
        assertEquals(1, nextAnswer(ch));
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }
}
