package kvstore.netty.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import kvstore.raft.RaftEngine;

/**
 * The pipeline of one connection:
 * <pre>
 * HttpServerCodec             bytes ⇄ HTTP/1.x messages
 * IdleStateHandler            notices idle connections (KvHandler closes them)
 * BodyLimit                   aggregates bodies; a body over the limit becomes a JSON 413
 * ResponseOrder               responses in request order under pipelining
 * ClusterHandler              cluster mode only: /cluster, /ready, read barriers
 * KvHandler                   the API
 * </pre>
 */
final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_REQUEST_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 16 * 1024;

    private final ReadRequests reads;
    private final WriteRequests writes;
    private final int maxBody;
    private final int idleSeconds;
    /** The member's engine in cluster mode, null on a single node. */
    private final RaftEngine cluster;

    HttpChannelInitializer(ReadRequests reads, WriteRequests writes, int maxBody, int idleSeconds, RaftEngine cluster) {
        this.reads = reads;
        this.writes = writes;
        this.maxBody = maxBody;
        this.idleSeconds = idleSeconds;
        this.cluster = cluster;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADERS)));
        p.addLast(new IdleStateHandler(0, 0, idleSeconds));
        p.addLast(new BodyLimit(maxBody));
        p.addLast(new ResponseOrder());
        if (cluster != null) {
            p.addLast(new ClusterHandler(cluster));
        }
        p.addLast(new KvHandler(reads, writes));
    }
}
