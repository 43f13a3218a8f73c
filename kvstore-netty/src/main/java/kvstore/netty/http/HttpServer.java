package kvstore.netty.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import kvstore.core.Engine;
import kvstore.core.RateLimitedLog;
import kvstore.core.cluster.Cluster;
import kvstore.core.watch.WatchHub;
import kvstore.netty.metrics.KvMetrics;
import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The HTTP listener: native epoll when it loads, NIO otherwise, pooled buffers, one pipeline per connection. */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    /** A connection's unsent answers past which it is not writable (reading pauses, no request starts)... */
    static final int WRITE_BUFFER_HIGH = 64 * 1024;
    /** ...and under which it is writable again. */
    static final int WRITE_BUFFER_LOW = 32 * 1024;
    private final EventLoopGroup group;
    private final Channel channel;
    private final String transport;
    private final ChannelGroup connections;

    private HttpServer(EventLoopGroup group, Channel channel, String transport, ChannelGroup connections) {
        this.group = group;
        this.channel = channel;
        this.transport = transport;
        this.connections = connections;
    }

    /**
     * Binds {@code settings.host():settings.port()} and starts serving {@code db}, with watches from {@code watches}
     * (the hub {@code db}'s store tells of its changes) and, on a cluster member, {@code /cluster}, {@code /ready} and
     * linearizable reads from {@code cluster} (null for a single server). Requests and connections are counted in
     * {@code metrics}; {@code outOfMemory} is told of an {@link OutOfMemoryError} that a connection's pipeline
     * reports, and is expected to end the process.
     */
    public static HttpServer start(Engine db, Cluster cluster, WatchHub watches, String fsyncPolicy,
                                   HttpSettings settings, KvMetrics metrics, Consumer<Throwable> outOfMemory)
            throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Endpoints api = Endpoints.of(db, fsyncPolicy, cluster, watches);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        RateLimitedLog warnings = new RateLimitedLog(log, NanoClock.SYSTEM);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_BUFFER_LOW, WRITE_BUFFER_HIGH))
                    .childHandler(new HttpChannelInitializer(api, new RequestMetrics(metrics), settings, warnings,
                            OutOfMemoryHandler.pair(outOfMemory), connections, cluster));
            Channel channel = bootstrap.bind(settings.host(), settings.port()).sync().channel();
            channel.pipeline().addLast(new AcceptFailureHandler(warnings));
            return new HttpServer(group, channel, epoll ? "epoll" : "nio", connections);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** The address actually bound. */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** {@code epoll} or {@code nio}. */
    public String transport() {
        return transport;
    }

    /** Stops accepting connections; open connections go on until {@link #close}. */
    public void stopAccepting() throws InterruptedException {
        channel.close().sync();
    }

    /**
     * Stops reading every connection, lets each answer the requests it had read (writes in flight included, so
     * the engine must still be open) and close, waiting at most {@code timeoutMillis} for all of them.
     */
    public void drain(long timeoutMillis) throws InterruptedException {
        for (Channel c : connections) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(ResponseOrder.DRAIN));
        }
        connections.newCloseFuture().await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs the tasks already queued (responses of finished writes), then closes every connection. */
    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
        group.shutdownGracefully(50, 2000, TimeUnit.MILLISECONDS).await(3, TimeUnit.SECONDS);
    }
}
