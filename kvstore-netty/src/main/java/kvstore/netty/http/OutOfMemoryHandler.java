package kvstore.netty.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.Consumer;

/**
 * An {@link OutOfMemoryError} that reaches a connection's pipeline ends the process through {@code exit},
 * instead of closing that one connection and leaving a server that holds its port and answers nothing.
 *
 * <p>It sits twice in every pipeline: first, for errors Netty reports on the channel (a read buffer that
 * could not be allocated), passing every exception on; and last, after {@link KvHandler}, for errors of the
 * handlers, where other exceptions end (KvHandler has already closed the connection). Stateless, shared.
 */
@ChannelHandler.Sharable
public final class OutOfMemoryHandler extends ChannelInboundHandlerAdapter {
    private final Consumer<Throwable> exit;
    private final boolean last;

    private OutOfMemoryHandler(Consumer<Throwable> exit, boolean last) {
        this.exit = exit;
        this.last = last;
    }

    /** The pair for one server: {@code [first, last]}. */
    static OutOfMemoryHandler[] pair(Consumer<Throwable> exit) {
        return new OutOfMemoryHandler[] {new OutOfMemoryHandler(exit, false), new OutOfMemoryHandler(exit, true)};
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isOutOfMemory(cause)) {
            exit.accept(cause);
        }
        if (!last) {
            ctx.fireExceptionCaught(cause);
        }
    }

    /** Whether {@code t} or one of its causes is an {@link OutOfMemoryError}. */
    public static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }
}
