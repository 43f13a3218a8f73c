package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyLimitTest {
    private static final int LIMIT = 64;
    private final EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder(), new BodyLimit(LIMIT));

    @AfterEach
    void noLeaks() {
        assertNull(channel.readInbound(), "every request was looked at");
        channel.finishAndReleaseAll();
    }

    private void send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    /** The request's body as text; releases it, and checks it held the only reference to a buffer of its own. */
    private static String body(FullHttpRequest request) {
        ByteBuf content = request.content();
        String text = content.toString(StandardCharsets.US_ASCII);
        assertEquals(1, request.refCnt(), "one reference, the test's");
        request.release();
        if (content != Unpooled.EMPTY_BUFFER) {
            assertEquals(0, content.refCnt(), "released with the request");
        }
        return text;
    }

    private FullHttpRequest next() {
        return assertInstanceOf(FullHttpRequest.class, channel.readInbound());
    }

    @Test
    void shouldMakeARequestThatCameWholeFromItsHeadAndLastContentWithoutAggregating() {
        send("GET /kv/a HTTP/1.1\r\nHost: x\r\n\r\nPUT /kv/b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");

        FullHttpRequest get = next();
        assertEquals(DefaultFullHttpRequest.class, get.getClass(), "not the aggregator's wrapper");
        assertEquals("/kv/a", get.uri());
        assertEquals("x", get.headers().get("Host"));
        assertEquals("", body(get));
        FullHttpRequest put = next();
        assertEquals(DefaultFullHttpRequest.class, put.getClass());
        assertEquals("hello", body(put));
    }

    @Test
    void shouldAggregateABodyThatComesInParts() {
        send("PUT /kv/b HTTP/1.1\r\nContent-Length: 10\r\n\r\nhel");
        assertNull(channel.readInbound(), "nothing before the body is whole");
        send("lo worl");

        FullHttpRequest put = next();
        assertNotEquals(DefaultFullHttpRequest.class, put.getClass(), "aggregated");
        assertEquals("hello worl", body(put));
    }

    @Test
    void shouldAggregateAChunkedBody() {
        send("POST /kv/batch HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");

        assertEquals("abcde", body(next()));
    }

    @Test
    void shouldTurnADeclaredBodyOverTheLimitIntoAFailedRequest() {
        send("PUT /kv/b HTTP/1.1\r\nContent-Length: " + (LIMIT + 1) + "\r\n\r\n");

        FullHttpRequest marker = next();
        assertInstanceOf(BodyLimit.BodyTooLargeException.class, marker.decoderResult().cause());
        assertEquals("", body(marker));
    }

    @Test
    void shouldTurnAChunkedBodyOverTheLimitIntoAFailedRequest() {
        String chunk = "x".repeat(LIMIT);
        send("PUT /kv/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + chunk + "\r\n1\r\ny\r\n0\r\n\r\n");

        FullHttpRequest marker = next();
        assertInstanceOf(BodyLimit.BodyTooLargeException.class, marker.decoderResult().cause());
        marker.release();
        channel.releaseInbound();
    }
}
