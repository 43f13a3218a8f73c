package kvstore.netty.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * The API of one connection: hands each request to {@link RequestOrder}, which runs it in its turn, and
 * sends it to {@link ReadRequests} or {@link WriteRequests} by its {@link Route}. {@link ResponseOrder} then
 * sends the responses in request order.
 */
public final class KvHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KvHandler.class);

    private final Endpoints api;
    private final RequestMetrics metrics;
    /** Made when the handler is added; owned by the channel's event loop, like this per-connection handler. */
    private RequestOrder order;
    /** A streamed response that lasts until the client goes (a watch) was asked for. */
    private boolean streaming;

    KvHandler(Endpoints api, RequestMetrics metrics) {
        this.api = api;
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
        // A watch's client that shuts its side has gone: nobody would read what the stream sends. A server that
        // stops ends its watches: their clients resume elsewhere, or after the restart, from their last event.
        boolean streamEnds = evt instanceof ChannelInputShutdownEvent || evt == ResponseOrder.DRAIN;
        if (evt instanceof IdleStateEvent || streaming && streamEnds) {
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
        if (route == Route.NOT_FOUND || route.clusterOnly() && !api.cluster().serves()) {
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
        streaming |= route.streams();
        try {
            switch (route) {
                case ITEM -> item(ex, method, Keys.fromPath(uri, "/kv/".length(), ex.pathEnd()));
                case LIST -> api.reads().list(ex, Keys.listQuery(uri, ex.pathEnd() + 1));
                case BATCH -> api.writes().batch(ex, ByteBufUtil.getBytes(request.content()), order);
                case STATS -> api.reads().stats(ex);
                case HEALTH -> api.reads().health(ex);
                case WATCH -> api.watches().open(ex, Keys.watchQuery(uri, ex.pathEnd() + 1, WatchRequests.lastEventId(ex)));
                case METRICS -> metrics.serve(ex);
                case OPENAPI -> api.reads().openApi(ex);
                case COMPACT -> api.admin().compact(ex);
                case BACKUP -> api.admin().backup(ex);
                case CLUSTER -> api.cluster().cluster(ex);
                case READY -> api.cluster().ready(ex);
                case MEMBERS -> api.cluster().add(ex);
                case MEMBER -> api.cluster().remove(ex, new String(
                        Keys.fromPath(uri, "/cluster/members/".length(), ex.pathEnd()), StandardCharsets.UTF_8));
                case LEADER -> api.cluster().lead(ex);
                case UI -> api.console().serve(ex);
                case NOT_FOUND, UNREADABLE -> throw new IllegalStateException("answered above: " + route);
            }
        } catch (BadRequestException e) {
            ex.send(HttpResponseStatus.BAD_REQUEST, Replies.error(ex.alloc(), e.getMessage(), e.index()), null);
        }
    }

    private void item(Exchange ex, HttpMethod method, byte[] key) throws BadRequestException {
        if (method == HttpMethod.GET) {
            api.reads().get(ex, key);
        } else if (method == HttpMethod.PUT) {
            api.writes().put(ex, key, ByteBufUtil.getBytes(ex.request().content()), order);
        } else {
            api.writes().delete(ex, key, order);
        }
    }
}
