package kvstore.netty.metrics;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.prometheus.metrics.core.metrics.Gauge;

/** Counts open connections into a gauge: one more when a connection becomes active, one less when it closes. */
@ChannelHandler.Sharable
final class ConnectionCountHandler extends ChannelInboundHandlerAdapter {
    private final Gauge open;

    ConnectionCountHandler(Gauge open) {
        this.open = open;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        open.inc();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.dec();
        ctx.fireChannelInactive();
    }
}
