package kvstore.netty.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import kvstore.core.RateLimitedLog;
import kvstore.core.cluster.Cluster;
import kvstore.core.time.NanoClock;

import java.util.concurrent.TimeUnit;

/**
 * The pipeline of one connection:
 * <pre>
 * (a connection over --max-connections is closed before any of this)
 * OutOfMemoryHandler          an OutOfMemoryError reported on the connection ends the process
 * ConnectionCountHandler      counts open connections for GET /metrics
 * ReadPauseHandler            holds back reads while a handler below has paused the connection
 * SslHandler                  TLS, when --tls-cert and --tls-key are given
 * RequestDeadlineHandler      starts a request's clock at its first byte; 408 when it is not in by the deadline
 * HttpServerCodec             bytes ⇄ HTTP/1.x messages
 * RequestDeadlineHandler.endOfRequest()   stops the clock at the request's last part
 * IdleStateHandler            notices idle connections (KvHandler closes them)
 * ProtocolCheckHandler        refuses versions, codings, expectations HTTP/1.x framing cannot trust (body unread)
 * CorsHandler                 with --allowed-origins only: CORS headers on the answers to those origins
 * AccessHandler               token, Origin and Host rules: 401 or 403 (body dropped)
 * BodyBudgetHandler           takes each large body from the budget shared by all connections, or pauses reading
 * BodyLimit                   aggregates bodies; a body over the limit becomes a JSON 413
 * ResponseOrder               responses in request order under pipelining; pauses reading to bound memory;
 *                             counts large responses not yet sent in the budget shared by all connections
 *                             (once a stream goes out, StreamBudgetHandler and ChunkedWriteHandler join before it:
 *                             chunks written as the socket takes them, counted in the same budget)
 * RefusedRequestHandler       answers the refused requests in their turn
 * ReadBarrierHandler          cluster mode only: holds linearizable reads until their read barrier
 * KvHandler                   the API; starts no request while the client has not read enough of its answers
 * OutOfMemoryHandler          (again) an OutOfMemoryError of a handler ends the process
 * </pre>
 */
final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {
    static final int MAX_REQUEST_LINE = 16 * 1024;
    static final int MAX_HEADERS = 16 * 1024;
    /**
     * The codec's own cap on requests awaiting responses resets the connection when reached; ResponseOrder
     * bounds them instead, by pausing reads, so this cap must never be reached.
     */
    private static final int NO_PIPELINE_CAP = Integer.MAX_VALUE;

    private final Endpoints api;
    private final RequestMetrics metrics;
    private final HttpSettings settings;
    private final ConnectionLimit connections;
    private final BodyBudget bodies;
    private final ResponseBudget responses;
    private final RateLimitedLog warnings;
    /** First and last in the pipeline. */
    private final OutOfMemoryHandler[] outOfMemory;
    /** The open connections, for the drain at shutdown; a channel leaves it when it closes. */
    private final ChannelGroup open;
    /** The member's cluster in cluster mode, null on a single node. */
    private final Cluster cluster;

    HttpChannelInitializer(Endpoints api, RequestMetrics metrics, HttpSettings settings, RateLimitedLog warnings,
                           OutOfMemoryHandler[] outOfMemory, ChannelGroup open, Cluster cluster) {
        this.api = api;
        this.metrics = metrics;
        this.settings = settings;
        this.connections = new ConnectionLimit(settings.maxConnections());
        this.bodies = new BodyBudget(settings.bodyBudget());
        this.responses = new ResponseBudget(settings.responseBudget(), warnings);
        this.warnings = warnings;
        this.outOfMemory = outOfMemory;
        this.open = open;
        this.cluster = cluster;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!connections.admit(ch)) {
            warnings.warn("refused a connection: {} are open (--max-connections)", connections.max());
            ch.close();
            return;
        }
        open.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(outOfMemory[0]);
        p.addLast(metrics.connections());
        p.addLast(ReadPauseHandler.on(ch));
        if (settings.tls() != null) {
            p.addLast(settings.tls().newHandler(ch.alloc()));
        }
        RequestDeadlineHandler deadline = new RequestDeadlineHandler(
                TimeUnit.SECONDS.toNanos(settings.requestTimeoutSeconds()), NanoClock.SYSTEM);
        p.addLast(deadline);
        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADERS), NO_PIPELINE_CAP));
        p.addLast(deadline.endOfRequest());
        p.addLast(new IdleStateHandler(0, 0, settings.idleSeconds()));
        p.addLast(new ProtocolCheckHandler(settings.maxBody()));
        if (!settings.access().allowedOrigins().isEmpty()) {
            p.addLast(new CorsHandler(settings.access()));
        }
        p.addLast(new AccessHandler(settings.access(), settings.tls() != null));
        p.addLast(new BodyBudgetHandler(bodies, settings.maxBody()));
        p.addLast(new BodyLimit(settings.maxBody()));
        p.addLast(new ResponseOrder(responses));
        p.addLast(new RefusedRequestHandler());
        if (cluster != null) {
            p.addLast(new ReadBarrierHandler(cluster, metrics));
        }
        p.addLast(new KvHandler(api, metrics));
        p.addLast(outOfMemory[1]);
    }
}
