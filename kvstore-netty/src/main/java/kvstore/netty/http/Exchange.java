package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One request's way back to its client: what is needed to answer it after the request itself has been
 * released, possibly from a task that came back from the WAL writer. Use it on the channel's event loop.
 */
record Exchange(ChannelHandlerContext ctx, int sequence, HttpVersion version, boolean keepAlive) {
    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /**
     * Sends {@code body} with {@code status} in its turn ({@code allow}, or null, is the {@code Allow}
     * header); {@code flush} when not inside a read, whose end flushes.
     */
    void send(HttpResponseStatus status, ByteBuf body, CharSequence allow, boolean flush) {
        if (!ctx.channel().isActive()) {
            body.release();
            return;
        }
        SequencedResponse message = new SequencedResponse(sequence,
                Responses.json(version, status, body, keepAlive, allow), !keepAlive);
        if (flush) {
            ctx.writeAndFlush(message, ctx.voidPromise());
        } else {
            ctx.write(message, ctx.voidPromise());
        }
    }

    /** Sends {@code 200} with {@code body}. */
    void ok(JsonBody body, boolean flush) {
        send(HttpResponseStatus.OK, body.done(), null, flush);
    }

    /** Sends {@code {"error": message}} with {@code status}. */
    void error(HttpResponseStatus status, String message, boolean flush) {
        send(status, Responses.errorBody(alloc(), message, -1), null, flush);
    }
}
