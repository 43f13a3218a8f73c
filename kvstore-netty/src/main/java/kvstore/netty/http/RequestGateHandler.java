package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks each request head as it is decoded, before its body is read, and replaces a refused request by a
 * {@link Refusal#marker}. The body of a refused request is read and dropped, so it is never taken for a
 * request; after a refusal that closes the connection nothing more is read at all.
 *
 * <p>Fields are owned by the channel's event loop.
 */
abstract class RequestGateHandler extends ChannelInboundHandlerAdapter {
    /** The body being received belongs to a refused request. */
    private boolean droppingBody;
    /** A refusal that closes the connection was passed on: every later byte is dropped. */
    private boolean closing;

    /** The refusal of {@code head} (its decoding may have failed), or null to let it through. */
    abstract Refusal check(HttpRequest head);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest head) {
            Refusal earlier = head instanceof FullHttpRequest full ? Refusal.of(full) : null;
            if (earlier != null) {
                if (earlier.close) {
                    closeAfter(ctx);
                }
            } else {
                Refusal refusal = check(head);
                if (refusal != null) {
                    refuse(ctx, head, refusal);
                    return;
                }
            }
        } else if (droppingBody && msg instanceof HttpContent) {
            droppingBody = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void refuse(ChannelHandlerContext ctx, HttpRequest head, Refusal refusal) {
        // After a decoding error, or when the client waits for 100 Continue before its body, the framing
        // of what follows is unknown: close. A request that asked for the close gets it too.
        if (!refusal.close && (!head.decoderResult().isSuccess() || head.headers().contains(HttpHeaderNames.EXPECT)
                || !HttpUtil.isKeepAlive(head))) {
            refusal = new Refusal(refusal.status, refusal.getMessage(), true);
        }
        ReferenceCountUtil.release(head);
        droppingBody = !(head instanceof LastHttpContent);
        if (refusal.close) {
            closeAfter(ctx);
        }
        ctx.fireChannelRead(refusal.marker(head.protocolVersion()));
    }

    private void closeAfter(ChannelHandlerContext ctx) {
        closing = true;
        ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.CLOSING);
    }
}
