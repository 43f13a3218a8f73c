package kvstore.netty.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * The pipeline of one connection:
 * <pre>
 * HttpServerCodec             bytes ⇄ HTTP/1.x messages
 * IdleStateHandler            notices idle connections (KvHandler closes them)
 * ProtocolCheckHandler        refuses versions, codings, expectations HTTP/1.x framing cannot trust (body unread)
 * BodyLimit                   aggregates bodies; a body over the limit becomes a JSON 413
 * ResponseOrder               responses in request order under pipelining; pauses reading to bound memory
 * RefusedRequestHandler       answers the refused requests in their turn
 * KvHandler                   the API
 * </pre>
 */
final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_REQUEST_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 16 * 1024;
    /**
     * The codec's own cap on requests awaiting responses resets the connection when reached; ResponseOrder
     * bounds them instead, by pausing reads, so this cap must never be reached.
     */
    private static final int NO_PIPELINE_CAP = Integer.MAX_VALUE;

    private final ReadRequests reads;
    private final WriteRequests writes;
    private final HttpSettings settings;

    HttpChannelInitializer(ReadRequests reads, WriteRequests writes, HttpSettings settings) {
        this.reads = reads;
        this.writes = writes;
        this.settings = settings;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADERS), NO_PIPELINE_CAP));
        p.addLast(new IdleStateHandler(0, 0, settings.idleSeconds()));
        p.addLast(new ProtocolCheckHandler(settings.maxBody()));
        p.addLast(new BodyLimit(settings.maxBody()));
        p.addLast(new ResponseOrder());
        p.addLast(new RefusedRequestHandler());
        p.addLast(new KvHandler(reads, writes));
    }
}
