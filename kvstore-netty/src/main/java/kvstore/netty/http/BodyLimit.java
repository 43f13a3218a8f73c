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
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Aggregates request bodies up to the configured limit, and turns a larger body into a request that
 * {@link KvHandler} answers with a JSON {@code 413} in its turn, instead of Netty's plain-text reply.
 *
 * <p>Most requests come whole: the decoder gives the head and then the last content, which holds the whole
 * body (empty for a {@code GET}). Such a request is made directly from the two, on the last content's own
 * buffer; Netty's aggregation, a composite buffer and a wrapper request for each, is left to bodies that come in
 * parts, chunked bodies, expectations and failures.
 *
 * <p>Fields are owned by the channel's event loop.
 */
public final class BodyLimit extends HttpObjectAggregator {
    /** The decoder failure that marks a request whose body was over the limit. */
    public static final class BodyTooLargeException extends TooLongFrameException {
        BodyTooLargeException(int limit) {
            super(tooLargeMessage(limit));
        }
    }

    private final int limit;
    /** A head that may come whole: held until the message after it says whether it did. */
    private HttpRequest head;

    public BodyLimit(int limit) {
        super(limit, true);
        this.limit = limit;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        HttpRequest held = head;
        head = null;
        if (held != null) {
            if (msg instanceof LastHttpContent last && last.decoderResult().isSuccess()
                    && last.content().readableBytes() <= limit) {
                ctx.fireChannelRead(new DefaultFullHttpRequest(held.protocolVersion(), held.method(), held.uri(),
                        last.content(), held.headers(), last.trailingHeaders()));
                return;
            }
            super.channelRead(ctx, held);
        } else if (msg instanceof HttpRequest request && mayComeWhole(request)) {
            head = request;
            return;
        }
        super.channelRead(ctx, msg);
    }

    private boolean mayComeWhole(HttpRequest request) {
        return !(request instanceof FullHttpMessage) && request.decoderResult().isSuccess()
                && !HttpUtil.isTransferEncodingChunked(request) && !HttpUtil.is100ContinueExpected(request)
                && HttpUtil.getContentLength(request, 0L) <= limit;
    }

    /** A head held while reading is paused would wait for a read nobody asks for: ask, as the aggregator does. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (head != null && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        super.channelReadComplete(ctx);
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
