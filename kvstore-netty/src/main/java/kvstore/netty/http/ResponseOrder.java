package kvstore.netty.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.ReferenceCountUtil;

import java.util.PriorityQueue;

/**
 * Sends responses in request order under HTTP pipelining, as Elasticsearch's pipelining handler does.
 *
 * <p>Each request is numbered as it is read; a response that is ready before an earlier one (a read
 * answered at once while a write waits for its fsync) is held until every earlier response has been
 * written. Reading pauses while too many requests of the connection wait for their responses, so one
 * client cannot queue unbounded work.
 *
 * <pre>
 * pipeline: ... HttpObjectAggregator → ResponseOrder → KvHandler
 * </pre>
 */
public final class ResponseOrder extends ChannelDuplexHandler {
    static final int PAUSE_READING_AT = 256;
    static final int RESUME_READING_AT = 64;

    private record Held(SequencedResponse response, ChannelPromise promise) {
    }

    /** Earliest first; by the difference, so the order holds when the int sequence numbers wrap around. */
    private final PriorityQueue<Held> held = new PriorityQueue<>(
            (a, b) -> Integer.signum(a.response().sequence() - b.response().sequence()));
    private int nextRequest;
    private int nextResponse;
    private boolean closing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            request.release();
            return;
        }
        ctx.fireChannelRead(new SequencedRequest(nextRequest++, request));
        if (nextRequest - nextResponse >= PAUSE_READING_AT) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof SequencedResponse response)) {
            ctx.write(msg, promise);
            return;
        }
        if (closing) {
            ReferenceCountUtil.release(response.response());
            promise.trySuccess();
            return;
        }
        if (response.sequence() == nextResponse && held.isEmpty() && !response.close()) {
            // The usual case, one request at a time: nothing to reorder.
            nextResponse++;
            ctx.write(response.response(), promise);
            resumeReadingIfDrained(ctx);
            return;
        }
        held.add(new Held(response, promise));
        while (!held.isEmpty() && held.peek().response().sequence() == nextResponse) {
            Held next = held.poll();
            nextResponse++;
            if (next.response().close()) {
                closing = true;
                ChannelPromise last = next.promise();
                ctx.writeAndFlush(next.response().response()).addListener(f -> {
                    ctx.close();
                    if (f.isSuccess()) {
                        last.trySuccess();
                    } else if (!last.isVoid()) {
                        last.tryFailure(f.cause());
                    }
                });
                releaseHeld();
                return;
            }
            ctx.write(next.response().response(), next.promise());
        }
        resumeReadingIfDrained(ctx);
    }

    private void resumeReadingIfDrained(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead() && nextRequest - nextResponse <= RESUME_READING_AT) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    private void releaseHeld() {
        Held h;
        while ((h = held.poll()) != null) {
            ReferenceCountUtil.release(h.response().response());
            if (!h.promise().isVoid()) {
                h.promise().tryFailure(new IllegalStateException("connection closed before the response was sent"));
            }
        }
    }
}
