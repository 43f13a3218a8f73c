package kvstore.netty.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API of one connection: hands each request to {@link RequestOrder}, which runs it in its turn, and
 * sends it to {@link ReadRequests} or {@link WriteRequests} by its {@link Route}. {@link ResponseOrder} then
 * sends the responses in request order.
 */
public final class KvHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KvHandler.class);

    private final ReadRequests reads;
    private final WriteRequests writes;
    private final AdminRequests admin;
    private final RequestMetrics metrics;
    /** Made when the handler is added; owned by the channel's event loop, like this per-connection handler. */
    private RequestOrder order;

    KvHandler(ReadRequests reads, WriteRequests writes, AdminRequests admin, RequestMetrics metrics) {
        this.reads = reads;
        this.writes = writes;
        this.admin = admin;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        order = new RequestOrder(ctx, this::handle, metrics);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SequencedRequest request) {
            order.arrived(request);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    /** The client has read enough of its answers: the requests that waited for that go on. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            order.runWaiting();
            ctx.flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        order.dropWaiting();
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

    private void handle(Exchange ex) {
        try {
            dispatch(ex);
        } finally {
            ex.request().release();
        }
    }

    private void dispatch(Exchange ex) {
        FullHttpRequest request = ex.request();
        Route route = ex.route();
        HttpMethod method = request.method();
        if (route == Route.UNREADABLE) {
            Throwable cause = request.decoderResult().cause();
            boolean tooLarge = cause instanceof BodyLimit.BodyTooLargeException;
            ex.error(tooLarge ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                    tooLarge ? cause.getMessage() : "malformed HTTP request");
            return;
        }
        String uri = request.uri();
        if (route == Route.NOT_FOUND) {
            ex.error(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + uri.substring(0, ex.pathEnd()));
            return;
        }
        if (method == HttpMethod.OPTIONS) {
            ex.send(HttpResponseStatus.NO_CONTENT, ex.alloc().buffer(0), route.allow);
            return;
        }
        if (!route.allows(method)) {
            String why = "method " + method + " is not allowed here (allowed: " + route.allow + ")";
            ex.send(HttpResponseStatus.METHOD_NOT_ALLOWED, Replies.error(ex.alloc(), why, -1), route.allow);
            return;
        }
        try {
            switch (route) {
                case HEALTH -> reads.health(ex);
                case COMPACT -> admin.compact(ex);
                case BACKUP -> admin.backup(ex);
                case STATS -> reads.stats(ex);
                case METRICS -> metrics.serve(ex);
                case OPENAPI -> reads.openApi(ex);
                case LIST -> reads.list(ex, Keys.listQuery(uri, ex.pathEnd() + 1));
                case BATCH -> writes.batch(ex, ByteBufUtil.getBytes(request.content()), order);
                case ITEM -> item(ex, method, Keys.fromPath(uri, "/kv/".length(), ex.pathEnd()));
                default -> throw new IllegalStateException("unrouted " + route);
            }
        } catch (BadRequestException e) {
            ex.send(HttpResponseStatus.BAD_REQUEST, Replies.error(ex.alloc(), e.getMessage(), e.index()), null);
        }
    }

    private void item(Exchange ex, HttpMethod method, byte[] key) throws BadRequestException {
        if (method == HttpMethod.GET) {
            reads.get(ex, key);
        } else if (method == HttpMethod.PUT) {
            writes.put(ex, key, ByteBufUtil.getBytes(ex.request().content()), order);
        } else {
            writes.delete(ex, key, order);
        }
    }
}
