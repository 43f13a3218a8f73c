package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import kvstore.raft.ClusterStatus;
import kvstore.raft.Member;
import kvstore.raft.RaftEngine;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;

/**
 * Cluster mode, in front of {@link KvHandler}: answers {@code GET /cluster} and {@code GET /ready}, and holds
 * each linearizable read ({@code GET /kv/{key}}, {@code GET /kv}, {@code GET /stats} without
 * {@code ?consistency=local}) until the member has passed a read barrier, so the store it then reads holds
 * every write acknowledged before the read arrived.
 *
 * <p>Requests of a connection keep their order: while a read waits for its barrier, the requests behind it
 * wait too. Only in the pipeline of a cluster member; all fields belong to the connection's event loop.
 *
 * <pre>
 * pipeline: ... ResponseOrder → ClusterHandler → KvHandler
 * </pre>
 */
final class ClusterHandler extends ChannelInboundHandlerAdapter {
    private static final String CLUSTER = "/cluster";
    private static final String READY = "/ready";
    /** The paths only a cluster member answers, here, with {@code GET}; a single server has no such endpoint. */
    static final Set<String> PATHS = Set.of(CLUSTER, READY);
    private static final String GET_ONLY = "GET";

    private final RaftEngine engine;
    private final RequestMetrics metrics;
    private final ArrayDeque<SequencedRequest> queued = new ArrayDeque<>();
    private boolean waitingForBarrier;

    ClusterHandler(RaftEngine engine, RequestMetrics metrics) {
        this.metrics = metrics;
        this.engine = engine;
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

    /** Passes on, or answers, the queued requests in order, up to the next read that needs a barrier. */
    private void drain(ChannelHandlerContext ctx) {
        while (!waitingForBarrier && !queued.isEmpty()) {
            SequencedRequest next = queued.peek();
            FullHttpRequest request = next.request();
            String uri = request.uri();
            String path = uri.substring(0, Route.pathEnd(uri));
            if (request.decoderResult().isSuccess() && PATHS.contains(path)) {
                queued.poll();
                try {
                    answer(ctx, next, path);
                } finally {
                    request.release();
                }
                continue;
            }
            String consistency = consistencyOf(request, uri);
            if (consistency != null && !consistency.equals("local") && !consistency.equals("linearizable")) {
                queued.poll();
                Exchange ex = exchange(ctx, next);
                request.release();
                ex.error(HttpResponseStatus.BAD_REQUEST,
                        "consistency must be local or linearizable, not '" + consistency + "'");
                continue;
            }
            if (!"local".equals(consistency) && isLinearizableRead(request, path)) {
                waitingForBarrier = true;
                engine.readBarrier().whenComplete((ok, failure) -> ctx.executor().execute(() -> {
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

    private static boolean isLinearizableRead(FullHttpRequest request, String path) {
        return request.decoderResult().isSuccess() && request.method() == HttpMethod.GET
                && (path.equals("/kv") || path.startsWith("/kv/") || path.equals("/stats"));
    }

    /** The value of the {@code consistency} query parameter, or null. */
    private static String consistencyOf(FullHttpRequest request, String uri) {
        if (!request.decoderResult().isSuccess() || uri.indexOf('?') < 0) {
            return null;
        }
        List<String> values = new QueryStringDecoder(uri).parameters().get("consistency");
        return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    private void answer(ChannelHandlerContext ctx, SequencedRequest sequenced, String path) {
        Exchange ex = exchange(ctx, sequenced);
        if (sequenced.request().method() != HttpMethod.GET) {
            String why = "method " + sequenced.request().method() + " is not allowed here (allowed: " + GET_ONLY + ")";
            ex.send(HttpResponseStatus.METHOD_NOT_ALLOWED, Replies.error(ctx.alloc(), why, -1), GET_ONLY);
            return;
        }
        ClusterStatus status = engine.status();
        if (path.equals(READY)) {
            String why = status.notReadyBecause();
            ex.send(why == null ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    new JsonBody(ctx.alloc(), 48).raw("{\"status\":").string(why == null ? "ready" : why).raw("}").done(),
                    null);
            return;
        }
        JsonBody json = new JsonBody(ctx.alloc(), 256)
                .raw("{\"node_id\":").string(status.nodeId())
                .raw(",\"role\":").string(status.role())
                .raw(",\"leader\":");
        if (status.leader() == null) {
            json.raw("null");
        } else {
            json.string(status.leader());
        }
        json.raw(",\"term\":").number(status.term())
                .raw(",\"commit_index\":").number(status.commitIndex())
                .raw(",\"applied_index\":").number(status.appliedIndex())
                .raw(",\"members\":[");
        for (int i = 0; i < status.members().size(); i++) {
            Member m = status.members().get(i);
            json.raw(i == 0 ? "{\"id\":" : ",{\"id\":").string(m.id())
                    .raw(",\"http\":").string(m.httpAddress())
                    .raw(",\"raft\":").string(m.raftAddress()).raw("}");
        }
        ex.ok(json.raw("]}"));
    }

    private Exchange exchange(ChannelHandlerContext ctx, SequencedRequest sequenced) {
        return Exchange.of(ctx, sequenced, metrics);
    }
}
