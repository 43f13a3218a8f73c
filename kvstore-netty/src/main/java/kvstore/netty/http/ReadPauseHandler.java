package kvstore.netty.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * Stops a connection from reading while any handler that bounds memory asks it to, each for its own reason;
 * reading goes on only when none holds, so one cannot undo another's pause.
 *
 * <p>Turning auto-read off is not enough on its own: the HTTP decoder and the body aggregator ask for more
 * with {@code read()} whenever they hold a partial message. This handler sits first in the pipeline and holds
 * back every {@code read()} while paused, then reads once the last reason is gone.
 *
 * <p>It also closes connections gently ({@link #closeLingering}): closing a socket whose unread input still
 * holds data makes the kernel send a reset, which can destroy responses the client has not read yet (a 413
 * before an unread body, the answers before a stop). So the server sends its last bytes (and TLS's
 * close_notify), shuts its sending side, reads and drops whatever still comes, and closes when the client does or {@link #LINGER_MILLIS} ends.
 *
 * <p>Fields are owned by the channel's event loop.
 */
final class ReadPauseHandler extends ChannelDuplexHandler {
    static final long LINGER_MILLIS = 1_000;

    enum Reason {
        /** Too many requests of the connection wait for their responses. */
        PIPELINE_FULL,
        /** The client does not read its responses: the outbound buffer is over its high-water mark. */
        CLIENT_NOT_READING,
        /** The bodies of the requests waiting for their turn ({@link RequestOrder}) are over their bound. */
        REQUESTS_WAITING,
        /** The request bodies being received on all connections have used up their budget. */
        BODY_BUDGET,
        /** The connection closes after the responses it owes: nothing more is read. */
        CLOSING
    }

    private static final AttributeKey<ReadPauseHandler> KEY = AttributeKey.valueOf(ReadPauseHandler.class, "pause");

    private int reasons;
    /** The sending side is shut: everything read is dropped until the client closes. */
    private boolean lingering;

    /** Installs the handler on {@code channel}; add it first in the pipeline. */
    static ReadPauseHandler on(Channel channel) {
        ReadPauseHandler h = new ReadPauseHandler();
        channel.attr(KEY).set(h);
        return h;
    }

    static void pause(Channel channel, Reason reason) {
        ReadPauseHandler h = channel.attr(KEY).get();
        if (h != null) {
            h.reasons |= 1 << reason.ordinal();
        }
        channel.config().setAutoRead(false);
    }

    static void resume(Channel channel, Reason reason) {
        ReadPauseHandler h = channel.attr(KEY).get();
        if (h != null) {
            h.reasons &= ~(1 << reason.ordinal());
            if (h.reasons != 0) {
                return;
            }
        }
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }

    /** Closes as described above, once what was written has been sent; a channel that cannot half-close just closes. */
    static void closeLingering(Channel channel) {
        ReadPauseHandler h = channel.attr(KEY).get();
        if (h == null || !(channel instanceof DuplexChannel duplex) || !channel.isActive() || duplex.isInputShutdown()) {
            channel.close();
            return;
        }
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        ChannelFuture sent = tls == null ? channel.newSucceededFuture() : tls.closeOutbound();
        sent.addListener(closeNotify -> duplex.shutdownOutput().addListener(shut -> {
            h.lingering = true;
            h.reasons = 0;
            channel.config().setAutoRead(true);
            channel.read();
            channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        }));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (lingering && evt instanceof ChannelInputShutdownEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (reasons == 0) {
            ctx.read();
        }
    }
}
