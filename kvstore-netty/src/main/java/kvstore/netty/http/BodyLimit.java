package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates request bodies up to the configured limit, and turns a larger body into a request that
 * {@link KvHandler} answers with a JSON {@code 413} in its turn, instead of Netty's plain-text reply.
 */
public final class BodyLimit extends HttpObjectAggregator {
    /** The decoder failure that marks a request whose body was over the limit. */
    public static final class BodyTooLargeException extends TooLongFrameException {
        BodyTooLargeException(int limit) {
            super(tooLargeMessage(limit));
        }
    }

    private final int limit;

    public BodyLimit(int limit) {
        super(limit, true);
        this.limit = limit;
    }

    /** The error message of a body over {@code limit} bytes. */
    static String tooLargeMessage(int limit) {
        return "request body is larger than the limit of " + limit + " bytes";
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request)) {
            ctx.close();
            return;
        }
        DefaultFullHttpRequest marker = new DefaultFullHttpRequest(
                request.protocolVersion(), request.method(), request.uri(), Unpooled.EMPTY_BUFFER);
        // Once part of the body has been aggregated the rest cannot be told from the next request: close.
        boolean keepAlive = !(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(marker, keepAlive);
        marker.setDecoderResult(DecoderResult.failure(new BodyTooLargeException(limit)));
        ctx.fireChannelRead(marker);
    }

    /**
     * {@link ProtocolCheckHandler} refuses unsupported and oversized expectations in their turn before they get
     * here; should one get through anyway, it is refused with a JSON error rather than Netty's plain text.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof FullHttpResponse plain && plain.status().code() >= 400) {
            HttpResponseStatus status = plain.status();
            plain.release();
            String why = status.equals(HttpResponseStatus.EXPECTATION_FAILED) ? "expectation not supported"
                    : tooLargeMessage(limit);
            ByteBuf body = Replies.error(UnpooledByteBufAllocator.DEFAULT, why, -1);
            return Responses.json(start.protocolVersion(), status, body, false, null);
        }
        return response;
    }
}
