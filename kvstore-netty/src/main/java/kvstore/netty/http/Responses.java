package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Full HTTP responses with JSON bodies, every error included. */
final class Responses {
    private Responses() {
    }

    static FullHttpResponse json(HttpVersion version, HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(version, status, body, false);
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    /** {@code {"error": message}}. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpVersion version, HttpResponseStatus status, String message) {
        return json(version, status, errorBody(alloc, message).raw("}").done());
    }

    /** {@code {"error": message, "index": index}}: the first bad operation of a batch. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpVersion version, HttpResponseStatus status, String message,
                                  int index) {
        return json(version, status, errorBody(alloc, message).raw(",\"index\":").number(index).raw("}").done());
    }

    private static JsonBody errorBody(ByteBufAllocator alloc, String message) {
        return new JsonBody(alloc, 32 + message.length()).raw("{\"error\":").string(message);
    }
}
