package kvstore.netty.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * Routes the requests of one connection to {@link ReadRequests} and {@link WriteRequests}.
 *
 * <p>Requests of a connection take effect in the order they were sent: consecutive writes go to the WAL
 * writer at once (which keeps their order), but a request that follows a write still in flight waits for
 * it, so a pipelined {@code PUT} then {@code GET} reads its own write. {@link ResponseOrder} then sends the
 * responses in order.
 */
public final class KvHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KvHandler.class);

    private final ReadRequests reads;
    private final WriteRequests writes;
    private final ArrayDeque<SequencedRequest> waiting = new ArrayDeque<>();
    private int writesInFlight;
    /** A request after which the connection closes was read: later ones are never run, as HTTP asks. */
    private boolean lastRequestRead;

    KvHandler(ReadRequests reads, WriteRequests writes) {
        this.reads = reads;
        this.writes = writes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SequencedRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (lastRequestRead) {
            request.request().release();
            return;
        }
        lastRequestRead = !keepsConnectionOpen(request.request());
        if (waiting.isEmpty() && (writesInFlight == 0 || isWrite(request.request()))) {
            handle(ctx, request);
        } else {
            waiting.add(request);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        SequencedRequest r;
        while ((r = waiting.poll()) != null) {
            r.request().release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing connection after error", cause);
        ctx.close();
        ctx.fireExceptionCaught(cause); // to OutOfMemoryHandler, last in the pipeline
    }

    /** A write has been answered: run the requests that waited for it, up to the next read behind a write. */
    private void writeDone(ChannelHandlerContext ctx) {
        writesInFlight--;
        while (!waiting.isEmpty() && (writesInFlight == 0 || isWrite(waiting.peek().request()))) {
            handle(ctx, waiting.poll());
        }
        ctx.flush();
    }

    /** Whether the connection stays open after answering {@code request}: a malformed one closes it. */
    private static boolean keepsConnectionOpen(FullHttpRequest request) {
        boolean tooLarge = request.decoderResult().cause() instanceof BodyLimit.BodyTooLargeException;
        return HttpUtil.isKeepAlive(request) && (request.decoderResult().isSuccess() || tooLarge);
    }

    private static boolean isWrite(FullHttpRequest request) {
        HttpMethod method = request.method();
        return request.decoderResult().isSuccess() && (method == HttpMethod.PUT || method == HttpMethod.DELETE
                || method == HttpMethod.POST) && request.uri().startsWith("/kv/");
    }

    private void handle(ChannelHandlerContext ctx, SequencedRequest sequenced) {
        FullHttpRequest request = sequenced.request();
        try {
            dispatch(ctx, sequenced.sequence(), request);
        } finally {
            request.release();
        }
    }

    private void dispatch(ChannelHandlerContext ctx, int sequence, FullHttpRequest request) {
        Exchange ex = new Exchange(ctx, sequence, request.protocolVersion(), keepsConnectionOpen(request));
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            boolean tooLarge = cause instanceof BodyLimit.BodyTooLargeException;
            ex.error(tooLarge ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                    tooLarge ? cause.getMessage() : "malformed HTTP request");
            return;
        }
        String uri = request.uri();
        int pathEnd = Route.pathEnd(uri);
        HttpMethod method = request.method();
        Route route = Route.of(method, uri, pathEnd);
        if (route == Route.NOT_FOUND) {
            ex.error(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + uri.substring(0, pathEnd));
            return;
        }
        if (!route.allows(method)) {
            String why = "method " + method + " is not allowed here (allowed: " + route.allow + ")";
            ex.send(HttpResponseStatus.METHOD_NOT_ALLOWED, Responses.errorBody(ctx.alloc(), why, -1), route.allow);
            return;
        }
        try {
            switch (route) {
                case HEALTH -> reads.health(ex);
                case STATS -> reads.stats(ex);
                case LIST -> reads.list(ex, Keys.prefixFromQuery(uri, pathEnd + 1));
                case BATCH -> {
                    if (writes.batch(ex, ByteBufUtil.getBytes(request.content()), () -> writeDone(ctx))) {
                        writesInFlight++;
                    }
                }
                case ITEM -> item(ctx, ex, method, Keys.fromPath(uri, "/kv/".length(), pathEnd), request);
                default -> throw new IllegalStateException("unrouted " + route);
            }
        } catch (BadRequestException e) {
            ex.send(HttpResponseStatus.BAD_REQUEST, Responses.errorBody(ctx.alloc(), e.getMessage(), e.index()), null);
        }
    }

    private void item(ChannelHandlerContext ctx, Exchange ex, HttpMethod method, byte[] key, FullHttpRequest request)
            throws BadRequestException {
        if (method == HttpMethod.GET) {
            reads.get(ex, key);
        } else if (method == HttpMethod.PUT) {
            writes.put(ex, key, ByteBufUtil.getBytes(request.content()), () -> writeDone(ctx));
            writesInFlight++;
        } else {
            writes.delete(ex, key, () -> writeDone(ctx));
            writesInFlight++;
        }
    }
}
