package kvstore.netty.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.PriorityQueue;

/**
 * Sends responses in request order under HTTP pipelining, as Elasticsearch's pipelining handler does.
 *
 * <p>Each request is numbered as it is read; a response that is ready before an earlier one (a read
 * answered at once while a write waits for its fsync) is held until every earlier response has been
 * written. Reading pauses while too many requests of the connection wait for their responses, so one
 * client cannot queue unbounded work. A streamed response (a backup) goes out as its head and then its
 * chunks, which a {@link ChunkedWriteHandler} writes as the socket takes them; it is put in front of this
 * handler when the connection's first stream goes out, so that the usual responses never pass through it.
 *
 * <pre>
 * pipeline: ... HttpObjectAggregator → ResponseOrder → KvHandler
 *           ... HttpObjectAggregator → ChunkedWriteHandler → ResponseOrder → KvHandler   (once a stream went out)
 * </pre>
 */
public final class ResponseOrder extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(ResponseOrder.class);
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
            discard(response);
            promise.trySuccess();
            return;
        }
        if (response.sequence() == nextResponse && held.isEmpty() && !response.close()) {
            // The usual case, one request at a time: nothing to reorder.
            nextResponse++;
            send(ctx, response, promise);
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
                ChannelFuture sent = send(ctx, next.response(), ctx.newPromise());
                ctx.flush();
                sent.addListener(f -> {
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
            send(ctx, next.response(), next.promise());
        }
        resumeReadingIfDrained(ctx);
    }

    /** Writes a full response, or a streamed one's head and then its stream; returns the last write's future. */
    private static ChannelFuture send(ChannelHandlerContext ctx, SequencedResponse response, ChannelPromise promise) {
        if (response.stream() == null) {
            return ctx.write(response.response(), promise);
        }
        if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
            ctx.pipeline().addBefore(ctx.name(), null, new ChunkedWriteHandler());
        }
        ctx.write(response.response());
        return ctx.write(response.stream(), promise);
    }

    /** Frees a response that will never be sent: its buffer, or its stream. */
    private static void discard(SequencedResponse response) {
        ReferenceCountUtil.release(response.response());
        if (response.stream() != null) {
            try {
                response.stream().close();
            } catch (Exception e) {
                log.debug("closing an unsent stream failed", e);
            }
        }
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
            discard(h.response());
            if (!h.promise().isVoid()) {
                h.promise().tryFailure(new IllegalStateException("connection closed before the response was sent"));
            }
        }
    }
}
