package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import kvstore.core.time.NanoClock;

import java.util.concurrent.TimeUnit;

/**
 * Bounds the time from a request's first byte to its last, as nginx's header and body timeouts do: a client
 * that sends slowly (slowloris, a body trickling in) gets a {@code 408} in its turn and the connection closes.
 *
 * <p>Two points of the pipeline are needed: this handler sits before the HTTP decoder and sees the first
 * bytes of a request arrive; {@link #endOfRequest()} sits after it and sees the request's last part. The time
 * between requests of a keep-alive connection is left to the idle timeout. At most one timer is pending per
 * connection: it is set when a request starts after the previous timer ran out, and when it fires for a
 * request that is not yet late it is set again for the time that request has left.
 *
 * <p>Fields are owned by the channel's event loop.
 */
final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
    private static final long NONE = Long.MIN_VALUE;

    private final long timeoutNanos;
    private final NanoClock clock;
    /** When the request being received started, or {@link #NONE} between requests. */
    private long startedAt = NONE;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext endCtx;
    private boolean expired;

    RequestDeadlineHandler(long timeoutNanos, NanoClock clock) {
        this.timeoutNanos = timeoutNanos;
        this.clock = clock;
    }

    /** The handler to put right after the HTTP decoder: it marks where each request ends. */
    ChannelHandler endOfRequest() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                endCtx = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof LastHttpContent) {
                    startedAt = NONE;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (expired) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (startedAt == NONE && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            startedAt = clock.nanos();
            if (timer == null) {
                timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (startedAt == NONE || !ctx.channel().isActive()) {
            return;
        }
        long left = timeoutNanos - (clock.nanos() - startedAt);
        if (left > 0) {
            timer = ctx.executor().schedule(() -> check(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        expired = true;
        ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.CLOSING);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(timeoutNanos);
        Refusal late = new Refusal(HttpResponseStatus.REQUEST_TIMEOUT,
                "request not received in full within " + seconds + " s", true);
        endCtx.fireChannelRead(late.marker(HttpVersion.HTTP_1_1));
        endCtx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
