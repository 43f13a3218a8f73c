package kvstore.netty.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * Stops a connection from reading while any handler that bounds memory asks it to, each for its own reason;
 * reading goes on only when none holds, so one cannot undo another's pause.
 *
 * <p>Turning auto-read off is not enough on its own: the HTTP decoder and the body aggregator ask for more
 * with {@code read()} whenever they hold a partial message. This handler sits first in the pipeline and holds
 * back every {@code read()} while paused, then reads once the last reason is gone.
 *
 * <p>Fields are owned by the channel's event loop.
 */
final class ReadPauseHandler extends ChannelOutboundHandlerAdapter {
    enum Reason {
        /** Too many requests of the connection wait for their responses. */
        PIPELINE_FULL,
        /** The client does not read its responses: the outbound buffer is over its high-water mark. */
        CLIENT_NOT_READING,
        /** The request bodies being received on all connections have used up their budget. */
        BODY_BUDGET,
        /** The connection closes after the responses it owes: nothing more is read. */
        CLOSING
    }

    private static final AttributeKey<ReadPauseHandler> KEY = AttributeKey.valueOf(ReadPauseHandler.class, "pause");

    private int reasons;

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

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (reasons == 0) {
            ctx.read();
        }
    }
}
