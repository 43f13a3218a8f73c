package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;

/**
 * Counts the chunks of streamed answers (a backup, a watch, a large {@link JsonList}) in the {@link ResponseBudget}
 * from when they are written until the socket has taken them, as {@link ResponseOrder} counts full responses. A
 * stream's chunks are written only while the channel is writable, so a connection holds at most its write buffer
 * and a chunk; this bounds what all streaming connections hold together. While a connection holds no more than
 * {@link ResponseBudget#LARGE_RESPONSE} bytes of chunks, nothing is counted (the usual case of a client that reads,
 * and of a watch's small events), so the shared budget is not touched for each chunk.
 *
 * <p>Added with the {@link io.netty.handler.stream.ChunkedWriteHandler}, on the socket's side of it, when a
 * connection's first stream goes out. Fields are owned by the channel's event loop.
 */
final class StreamBudgetHandler extends ChannelOutboundHandlerAdapter {
    private final ResponseBudget budget;
    private final ResponseBudget.Share share;
    /** The bytes of chunks written and not yet taken by the socket. */
    private long unsent;
    /** The part of {@link #unsent} counted in the budget: all of it while it is large, none otherwise. */
    private long counted;

    StreamBudgetHandler(ResponseBudget budget, ResponseBudget.Share share) {
        this.budget = budget;
        this.share = share;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof HttpContent chunk) || msg instanceof FullHttpResponse || !chunk.content().isReadable()) {
            ctx.write(msg, promise);
            return;
        }
        long bytes = chunk.content().readableBytes();
        ChannelPromise counting = promise.isVoid() ? ctx.newPromise() : promise;
        counting.addListener(f -> sent(bytes));
        unsent += bytes;
        if (unsent > ResponseBudget.LARGE_RESPONSE) {
            long more = unsent - counted;
            counted = unsent;
            budget.take(share, more);
        }
        ctx.write(msg, counting);
    }

    /** {@code bytes} of a chunk were sent, or dropped with the connection. */
    private void sent(long bytes) {
        unsent -= bytes;
        long keep = unsent > ResponseBudget.LARGE_RESPONSE ? unsent : 0;
        if (counted > keep) {
            budget.give(share, counted - keep);
            counted = keep;
        }
    }
}
