package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Takes each request body from the shared {@link BodyBudget} before {@link BodyLimit} aggregates it, and pauses
 * reading the connection while the budget cannot cover it. A body with a declared length takes all of it at
 * once; a chunked body takes its chunks as they come. Small bodies need no budget, so ordinary requests are
 * never held up by large ones. What the connection had already read when it paused goes on (one read's worth).
 *
 * <p>Fields are owned by the channel's event loop.
 */
final class BodyBudgetHandler extends ChannelInboundHandlerAdapter {
    /** Bodies up to this size are read without asking the budget. */
    static final int SMALL_BODY = 16 * 1024;

    /** A wait for the budget; stale once the body it was for has ended. */
    private final class Wait implements BodyBudget.Grant {
        final long bytes;
        final ChannelHandlerContext ctx;

        Wait(long bytes, ChannelHandlerContext ctx) {
            this.bytes = bytes;
            this.ctx = ctx;
        }

        @Override
        public void granted() {
            try {
                ctx.executor().execute(() -> onGranted(this));
            } catch (RuntimeException shuttingDown) {
                budget.give(bytes);
            }
        }
    }

    private final BodyBudget budget;
    private final int maxBody;
    /** Bytes of the body being received that are taken from the budget. */
    private long held;
    /** The body has no declared length: its chunks are charged as they come. */
    private boolean charging;
    private Wait waiting;

    BodyBudgetHandler(BodyBudget budget, int maxBody) {
        this.budget = budget;
        this.maxBody = maxBody;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head && !(msg instanceof FullHttpRequest)) {
            if (HttpUtil.isTransferEncodingChunked(head)) {
                charging = true;
            } else {
                long declared = HttpUtil.getContentLength(head, 0L);
                if (declared > SMALL_BODY && declared <= maxBody) {
                    take(ctx, declared);
                }
            }
        } else if (charging && msg instanceof HttpContent content) {
            int n = content.content().readableBytes();
            held += n;
            if (!budget.force(n)) {
                await(ctx, 0);
            }
        }
        ctx.fireChannelRead(msg);
        if (msg instanceof LastHttpContent) {
            endOfBody(ctx);
        }
    }

    private void take(ChannelHandlerContext ctx, long bytes) {
        if (budget.tryTake(bytes)) {
            held += bytes;
        } else {
            await(ctx, bytes);
        }
    }

    private void await(ChannelHandlerContext ctx, long bytes) {
        if (waiting != null) {
            return;
        }
        waiting = new Wait(bytes, ctx);
        ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.BODY_BUDGET);
        budget.await(bytes, waiting);
    }

    private void onGranted(Wait wait) {
        if (wait != waiting) {
            budget.give(wait.bytes);
            return;
        }
        waiting = null;
        held += wait.bytes;
        ReadPauseHandler.resume(wait.ctx.channel(), ReadPauseHandler.Reason.BODY_BUDGET);
    }

    private void endOfBody(ChannelHandlerContext ctx) {
        if (waiting != null) {
            budget.cancel(waiting);
            waiting = null;
            ReadPauseHandler.resume(ctx.channel(), ReadPauseHandler.Reason.BODY_BUDGET);
        }
        charging = false;
        if (held > 0) {
            budget.give(held);
            held = 0;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (waiting != null) {
            budget.cancel(waiting);
            waiting = null;
        }
        charging = false;
        if (held > 0) {
            budget.give(held);
            held = 0;
        }
    }
}
