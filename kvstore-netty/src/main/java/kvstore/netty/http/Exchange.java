package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedInput;
import kvstore.netty.metrics.RequestSeries;

/**
 * One request, routed once as it arrives, and its way back to its client. {@code request} is released once
 * the request has been handled; what answers it afterwards (possibly a task that came back from the engine)
 * uses only the other components. Use it on the channel's event loop.
 *
 * @param route where the request goes; {@link Route#UNREADABLE} when it could not be decoded
 * @param pathEnd where the path of the request's URI ends (its query starts after it)
 * @param write whether it changes the store, so that later reads of the connection wait for it
 * @param keepAlive whether the connection stays open after the response: not after a stream that holds it
 * @param metrics where the response is counted, by its status and how long after {@code arrivedNanos} it went
 */
record Exchange(ChannelHandlerContext ctx, int sequence, FullHttpRequest request, HttpVersion version,
                Route route, int pathEnd, boolean write, boolean keepAlive, RequestSeries metrics,
                long arrivedNanos) {

    /** Routes {@code arrived}, the request numbered {@code sequence} on the connection of {@code ctx}. */
    static Exchange of(ChannelHandlerContext ctx, SequencedRequest arrived, RequestMetrics metrics) {
        long arrivedNanos = metrics.now();
        FullHttpRequest request = arrived.request();
        boolean decoded = request.decoderResult().isSuccess();
        String uri = request.uri();
        int pathEnd = decoded ? Route.pathEnd(uri) : 0;
        Route route = decoded ? Route.of(request.method(), uri, pathEnd) : Route.UNREADABLE;
        // The decoder calls a request it could not read HTTP/1.0, whatever it said: answer as the server speaks.
        HttpVersion version = decoded ? request.protocolVersion() : HttpVersion.HTTP_1_1;
        return new Exchange(ctx, arrived.sequence(), request, version, route, pathEnd,
                route.writes(request.method()),
                keepsConnectionOpen(request) && !(route.streams() && route.allows(request.method())),
                metrics.of(route, request.method()), arrivedNanos);
    }

    /** Whether the connection stays open after answering {@code request}: a malformed one closes it. */
    private static boolean keepsConnectionOpen(FullHttpRequest request) {
        boolean tooLarge = request.decoderResult().cause() instanceof BodyLimit.BodyTooLargeException;
        return HttpUtil.isKeepAlive(request) && (request.decoderResult().isSuccess() || tooLarge);
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /**
     * Sends {@code body} with {@code status} in its turn ({@code allow}, or null, is the {@code Allow}
     * header). It is flushed by whoever called: the end of a read, or the end of a write's completion.
     */
    void send(HttpResponseStatus status, ByteBuf body, CharSequence allow) {
        send(status, HttpHeaderValues.APPLICATION_JSON, body, allow);
    }

    /** As {@link #send(HttpResponseStatus, ByteBuf, CharSequence)}, with a body of {@code contentType}. */
    void send(HttpResponseStatus status, CharSequence contentType, ByteBuf body, CharSequence allow) {
        send(Responses.full(version, status, contentType, body, keepAlive, allow), body);
    }

    /**
     * Sends the JSON {@code body} with {@code status}, saying in its headers the store's {@code revision} it
     * reflects and, unless it is {@link Responses#NONE}, the entity tag {@code etag} (a key's mod revision).
     */
    void send(HttpResponseStatus status, ByteBuf body, long revision, long etag) {
        send(Responses.full(version, status, HttpHeaderValues.APPLICATION_JSON, body, keepAlive, null, revision, etag),
                body);
    }

    private void send(FullHttpResponse response, ByteBuf body) {
        if (!ctx.channel().isActive()) {
            body.release();
            return;
        }
        metrics.record(response.status().code(), arrivedNanos);
        ctx.write(new SequencedResponse(sequence, response, !keepAlive), ctx.voidPromise());
    }

    /**
     * Sends {@code body} of {@code contentType} with {@code status} and the headers {@code namesAndValues} (a
     * name, its value, ...) in its turn; flushed as {@link #send(HttpResponseStatus, ByteBuf, CharSequence)} is.
     */
    void sendWithHeaders(HttpResponseStatus status, CharSequence contentType, ByteBuf body,
                         CharSequence... namesAndValues) {
        if (!ctx.channel().isActive()) {
            body.release();
            return;
        }
        metrics.record(status.code(), arrivedNanos);
        FullHttpResponse response = Responses.withHeaders(version, status, contentType, body, keepAlive,
                namesAndValues);
        ctx.write(new SequencedResponse(sequence, response, !keepAlive), ctx.voidPromise());
    }

    /**
     * Sends a {@code 200} of {@code contentType} streamed in its turn: the head, then {@code body}'s parts as the
     * socket takes them. HTTP/1.1 gets it chunked. HTTP/1.0 knows no chunked coding: it gets the bytes as they
     * are, with their {@code Content-Length} when {@code body} knows it, and the connection closes after them, so
     * a client that reads to the end reads the whole body. It is flushed at once: the {@link
     * io.netty.handler.stream.ChunkedWriteHandler} keeps what is written after a stream until the stream has gone,
     * out of the channel's count of unsent bytes, so the connection's next requests, which start only while the
     * channel is writable ({@link RequestOrder}), must see the stream fill the write buffer first. When the
     * connection is gone, {@code body} is closed unsent. The metrics count the response as its head goes.
     */
    void stream(CharSequence contentType, ChunkedInput<HttpContent> body) throws Exception {
        stream(contentType, body, Responses.NONE);
    }

    /** As {@link #stream(CharSequence, ChunkedInput)}, an answer of {@code /kv} that reflects {@code revision}. */
    private void stream(CharSequence contentType, ChunkedInput<HttpContent> body, long revision) throws Exception {
        if (!ctx.channel().isActive()) {
            body.close();
            return;
        }
        metrics.record(HttpResponseStatus.OK.code(), arrivedNanos);
        boolean chunked = !HttpVersion.HTTP_1_0.equals(version);
        HttpResponse head = chunked ? Responses.chunked(version, contentType, keepAlive, revision)
                : Responses.plain(version, contentType, body.length(), revision);
        ctx.write(new SequencedResponse(sequence, head, body, !chunked || !keepAlive), ctx.voidPromise());
        ctx.flush();
    }

    /** Sends {@code 200} with {@code body}. */
    void ok(JsonBody body) {
        send(HttpResponseStatus.OK, body.done(), null);
    }

    /** Sends {@code 200} with {@code body}, an answer of {@code /kv} that reflects {@code revision}. */
    void ok(JsonBody body, long revision) {
        send(HttpResponseStatus.OK, body.done(), revision, Responses.NONE);
    }

    /**
     * Sends {@code 200} with {@code list}, an answer of {@code /kv} that reflects {@code revision}: built whole when
     * small, streamed in chunks ({@link JsonStream}) when large.
     */
    void ok(JsonList list, long revision) {
        if (list.size() <= JsonStream.STREAM_ABOVE) {
            ok(list.whole(alloc()), revision);
            return;
        }
        try {
            stream(HttpHeaderValues.APPLICATION_JSON, new JsonStream(list), revision);
        } catch (Exception e) {
            throw new IllegalStateException("a JSON stream cannot fail to close", e);
        }
    }

    /** Sends {@code {"error": message}} with {@code status}. */
    void error(HttpResponseStatus status, String message) {
        send(status, Replies.error(alloc(), message, -1), null);
    }

    /** Sends {@code {"error": message}} with {@code status}, an answer of {@code /kv} that reflects {@code revision}. */
    void error(HttpResponseStatus status, String message, long revision) {
        send(status, Replies.error(alloc(), message, -1), revision, Responses.NONE);
    }
}
