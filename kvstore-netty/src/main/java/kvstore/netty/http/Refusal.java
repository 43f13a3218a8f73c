package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Why a request is refused before it reaches the API: the status and message of its JSON error, and
 * whether the connection closes after it.
 *
 * <p>A refused request travels on as a {@link #marker} (an empty request whose decoder result carries the
 * refusal), so {@link ResponseOrder} numbers it like any other and {@link RefusedRequestHandler} answers it in
 * its turn.
 */
final class Refusal extends DecoderException {
    final HttpResponseStatus status;
    final boolean close;

    Refusal(HttpResponseStatus status, String message, boolean close) {
        super(message);
        this.status = status;
        this.close = close;
    }

    /** A refusal is an answer, not a fault: no stack trace is taken. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** The request that stands for a refused one. */
    FullHttpRequest marker(HttpVersion version) {
        HttpVersion answered = version.majorVersion() == 1 && version.minorVersion() <= 1 ? version : HttpVersion.HTTP_1_1;
        FullHttpRequest marker = new DefaultFullHttpRequest(answered, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
        marker.setDecoderResult(DecoderResult.failure(this));
        return marker;
    }

    /** The refusal a request marked by {@link #marker} carries, or null for any other request. */
    static Refusal of(FullHttpRequest request) {
        return request.decoderResult().cause() instanceof Refusal r ? r : null;
    }
}
