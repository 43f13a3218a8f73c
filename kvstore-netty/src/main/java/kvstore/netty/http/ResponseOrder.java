package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
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
 * written. Reading pauses while too many requests of the connection wait for their responses, and while
 * the client does not read what was sent (the channel is not writable), so one client cannot queue unbounded
 * work or responses; it slows only its own connection. No request is ever dropped for being one too many.
 * A streamed response (a backup) goes out as its head and then its chunks, which a
 * {@link ChunkedWriteHandler} writes as the socket takes them; it is put in front of this handler when the
 * connection's first stream goes out, so that the usual responses never pass through it.
 *
 * <p>Every large response is counted in the {@link ResponseBudget} shared by all connections from the moment it
 * reaches this handler until it has been handed to the socket; so are a stream's chunks, by a
 * {@link StreamBudgetHandler} put in front of the {@link ChunkedWriteHandler}.
 *
 * <p>A client that half-closes its side (the server runs with {@code ALLOW_HALF_CLOSURE}) gets the answers
 * to everything it sent, then the connection closes; so does every client when the server stops ({@link #DRAIN}).
 *
 * <pre>
 * pipeline: ... BodyLimit → ResponseOrder → RefusedRequestHandler → KvHandler
 *           ... BodyLimit → StreamBudgetHandler → ChunkedWriteHandler → ResponseOrder → ...   (once a stream went out)
 * </pre>
 */
public final class ResponseOrder extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(ResponseOrder.class);
    /** The server is stopping: read nothing more, answer what was read, then close. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };
    static final int PAUSE_READING_AT = 256;
    static final int RESUME_READING_AT = 64;

    private record Held(SequencedResponse response, ChannelPromise promise) {
    }

    /** Earliest first; by the difference, so the order holds when the int sequence numbers wrap around. */
    private final PriorityQueue<Held> held = new PriorityQueue<>(
            (a, b) -> Integer.signum(a.response().sequence() - b.response().sequence()));
    private final ResponseBudget budget;
    /** This connection's part of {@link #budget}; made when the handler is added. */
    private ResponseBudget.Share share;
    private int nextRequest;
    private int nextResponse;
    private boolean closing;
    /** Reading is paused because {@link #PAUSE_READING_AT} requests wait for their responses. */
    private boolean pipelineFull;
    /** No request will be read any more (the client half-closed, or the server stops): close once all are answered. */
    private boolean noMoreRequests;

    /** Counts this connection's large responses in {@code budget}, shared by all connections. */
    public ResponseOrder(ResponseBudget budget) {
        this.budget = budget;
    }

    /** For handler tests: a budget of its own that never closes the connection. */
    public ResponseOrder() {
        this(ResponseBudget.unbounded());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        share = budget.share(ctx.channel());
    }

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
        if (nextRequest - nextResponse >= PAUSE_READING_AT && !pipelineFull) {
            pipelineFull = true;
            ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.PIPELINE_FULL);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ReadPauseHandler.resume(ctx.channel(), ReadPauseHandler.Reason.CLIENT_NOT_READING);
        } else {
            ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.CLIENT_NOT_READING);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DRAIN) {
            ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.CLOSING);
            noMoreRequests = true;
            closeIfAllAnswered(ctx);
            ctx.fireUserEventTriggered(evt); // a stream that never ends by itself (a watch) ends on it
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            noMoreRequests = true;
            closeIfAllAnswered(ctx);
        }
        ctx.fireUserEventTriggered(evt);
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
        promise = counted(ctx, response, promise);
        if (response.sequence() == nextResponse && held.isEmpty() && !response.close()) {
            // The usual case, one request at a time: nothing to reorder.
            nextResponse++;
            send(ctx, response, promise);
            resumeReadingIfDrained(ctx);
            closeIfAllAnswered(ctx);
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
                    ReadPauseHandler.closeLingering(ctx.channel());
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
        closeIfAllAnswered(ctx);
    }

    /**
     * Counts a large full response in the budget until the promise of its write completes (sent, failed, or
     * dropped unsent), which then needs a promise of its own; any other response keeps {@code promise}.
     */
    private ChannelPromise counted(ChannelHandlerContext ctx, SequencedResponse response, ChannelPromise promise) {
        if (!(response.response() instanceof FullHttpResponse full)
                || full.content().readableBytes() <= ResponseBudget.LARGE_RESPONSE) {
            return promise;
        }
        long bytes = full.content().readableBytes();
        budget.take(share, bytes);
        ChannelPromise counted = promise.isVoid() ? ctx.newPromise() : promise;
        counted.addListener(f -> budget.give(share, bytes));
        return counted;
    }

    /** Writes a full response, or a streamed one's head and then its stream; returns the last write's future. */
    private ChannelFuture send(ChannelHandlerContext ctx, SequencedResponse response, ChannelPromise promise) {
        if (response.stream() == null) {
            return ctx.write(response.response(), promise);
        }
        if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
            ctx.pipeline().addBefore(ctx.name(), null, new StreamBudgetHandler(budget, share));
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
        if (pipelineFull && nextRequest - nextResponse <= RESUME_READING_AT) {
            pipelineFull = false;
            ReadPauseHandler.resume(ctx.channel(), ReadPauseHandler.Reason.PIPELINE_FULL);
        }
    }

    private void closeIfAllAnswered(ChannelHandlerContext ctx) {
        if (noMoreRequests && !closing && nextResponse == nextRequest) {
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ReadPauseHandler.closeLingering(ctx.channel()));
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
