package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import kvstore.core.RateLimitedLog;

import java.io.IOException;

/**
 * Sits last on the listening channel, after Netty's acceptor: an accept that failed (the process is out of
 * file descriptors, mostly) has made the acceptor pause accepting for a second; here it is logged through the
 * rate-limited log instead of reaching the end of the pipeline as a generic warning once a second for as
 * long as the flood lasts. Anything else is passed on. Belongs to the listening channel's event loop.
 */
final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {
    private final RateLimitedLog warnings;

    AcceptFailureHandler(RateLimitedLog warnings) {
        this.warnings = warnings;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            warnings.warn("cannot accept a connection ({}); new connections wait until descriptors free up",
                    cause.getMessage());
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
