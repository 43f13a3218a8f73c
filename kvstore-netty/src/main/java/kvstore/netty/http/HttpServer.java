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
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import kvstore.core.Engine;
import kvstore.raft.RaftEngine;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The HTTP listener: native epoll when it loads, NIO otherwise, pooled buffers, one pipeline per connection. */
public final class HttpServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final String transport;

    private HttpServer(EventLoopGroup group, Channel channel, String transport) {
        this.group = group;
        this.channel = channel;
        this.transport = transport;
    }

    /**
     * Binds {@code host:port} and starts serving {@code db}.
     *
     * @param maxBody largest request body accepted, in bytes
     * @param idleSeconds close a connection after this long without traffic
     */
    public static HttpServer start(Engine db, String fsyncPolicy, String host, int port, int maxBody, int idleSeconds)
            throws InterruptedException {
        return start(db, fsyncPolicy, host, port, maxBody, idleSeconds, null);
    }

    /**
     * Binds {@code host:port} and starts serving a cluster member: as {@link #start(Engine, String, String, int,
     * int, int)}, with {@code /cluster}, {@code /ready} and linearizable reads from {@code cluster} (null for a
     * single node).
     */
    public static HttpServer start(Engine db, String fsyncPolicy, String host, int port, int maxBody, int idleSeconds,
                                   RaftEngine cluster) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ReadRequests reads = new ReadRequests(db, fsyncPolicy);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new HttpChannelInitializer(reads, new WriteRequests(db, reads.operations), maxBody, idleSeconds,
                            cluster));
            Channel channel = bootstrap.bind(host, port).sync().channel();
            return new HttpServer(group, channel, epoll ? "epoll" : "nio");
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

    /** Runs the tasks already queued (responses of finished writes), then closes every connection. */
    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
        group.shutdownGracefully(50, 2000, TimeUnit.MILLISECONDS).await(3, TimeUnit.SECONDS);
    }
}
