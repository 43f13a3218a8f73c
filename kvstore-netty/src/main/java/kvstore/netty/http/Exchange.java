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
     * header). It is flushed by whoever called: the end of a read, or the end of a write's completion.
     */
    void send(HttpResponseStatus status, ByteBuf body, CharSequence allow) {
        if (!ctx.channel().isActive()) {
            body.release();
            return;
        }
        SequencedResponse message = new SequencedResponse(sequence,
                Responses.json(version, status, body, keepAlive, allow), !keepAlive);
        ctx.write(message, ctx.voidPromise());
    }

    /** Sends {@code 200} with {@code body}. */
    void ok(JsonBody body) {
        send(HttpResponseStatus.OK, body.done(), null);
    }

    /** Sends {@code {"error": message}} with {@code status}. */
    void error(HttpResponseStatus status, String message) {
        send(status, Responses.errorBody(alloc(), message, -1), null);
    }
}
