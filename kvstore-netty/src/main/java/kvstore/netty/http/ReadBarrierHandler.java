package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import kvstore.core.cluster.Cluster;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Cluster mode, in front of {@link KvHandler}: holds each linearizable read (the {@code GET}s of the routes marked
 * {@link Route.Trait#LINEARIZABLE}, without {@code ?consistency=local}) until the member has passed a read
 * barrier, so the store it then reads holds every write acknowledged before the read arrived. A watch opened after
 * its barrier starts from a revision at least as new as every acknowledged write.
 *
 * <p>Requests of a connection keep their order: while a read waits for its barrier, the requests behind it
 * wait too. Only in the pipeline of a cluster member; all fields belong to the connection's event loop.
 *
 * <pre>
 * pipeline: ... ResponseOrder → RefusedRequestHandler → ReadBarrierHandler → KvHandler
 * </pre>
 */
final class ReadBarrierHandler extends ChannelInboundHandlerAdapter {
    private final Cluster cluster;
    private final RequestMetrics metrics;
    private final ArrayDeque<SequencedRequest> queued = new ArrayDeque<>();
    private boolean waitingForBarrier;

    ReadBarrierHandler(Cluster cluster, RequestMetrics metrics) {
        this.cluster = cluster;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SequencedRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        queued.add(request);
        drain(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        SequencedRequest r;
        while ((r = queued.poll()) != null) {
            r.request().release();
        }
        ctx.fireChannelInactive();
    }

    /** Passes on the queued requests in order, up to the next read that needs a barrier. */
    private void drain(ChannelHandlerContext ctx) {
        while (!waitingForBarrier && !queued.isEmpty()) {
            FullHttpRequest request = queued.peek().request();
            String uri = request.uri();
            String consistency = consistencyOf(request, uri);
            if (consistency != null && !consistency.equals("local") && !consistency.equals("linearizable")) {
                Exchange ex = exchange(ctx, queued.poll());
                request.release();
                ex.error(HttpResponseStatus.BAD_REQUEST,
                        "consistency must be local or linearizable, not '" + consistency + "'");
                continue;
            }
            if (!"local".equals(consistency) && isLinearizableRead(request, uri)) {
                waitingForBarrier = true;
                cluster.readBarrier().whenComplete((ok, failure) -> ctx.executor().execute(() -> {
                    waitingForBarrier = false;
                    SequencedRequest read = queued.poll();
                    if (read == null) {
                        return; // the connection closed meanwhile
                    }
                    if (failure == null) {
                        ctx.fireChannelRead(read);
                    } else {
                        Exchange ex = exchange(ctx, read);
                        read.request().release();
                        ex.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "no quorum");
                    }
                    drain(ctx);
                    ctx.flush();
                }));
                return;
            }
            ctx.fireChannelRead(queued.poll());
        }
    }

    private static boolean isLinearizableRead(FullHttpRequest request, String uri) {
        return request.decoderResult().isSuccess()
                && Route.of(request.method(), uri, Route.pathEnd(uri)).readsLinearizably(request.method());
    }

    /** The value of the {@code consistency} query parameter, or null. */
    private static String consistencyOf(FullHttpRequest request, String uri) {
        if (!request.decoderResult().isSuccess() || uri.indexOf('?') < 0) {
            return null;
        }
        List<String> values = new QueryStringDecoder(uri).parameters().get("consistency");
        return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    private Exchange exchange(ChannelHandlerContext ctx, SequencedRequest sequenced) {
        return Exchange.of(ctx, sequenced, metrics);
    }
}
