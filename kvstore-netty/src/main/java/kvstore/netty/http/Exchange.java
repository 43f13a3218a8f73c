package kvstore.netty.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One request's way back to its client: what is needed to answer it after the request itself has been
 * released, possibly from a task that came back from the WAL writer. Use it on the channel's event loop.
 */
record Exchange(ChannelHandlerContext ctx, int sequence, HttpVersion version, boolean keepAlive) {
    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** Sends {@code response} in its turn; {@code flush} when not inside a read, whose end flushes. */
    void send(FullHttpResponse response, boolean flush) {
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        SequencedResponse message = new SequencedResponse(sequence, response, !keepAlive);
        if (flush) {
            ctx.writeAndFlush(message, ctx.voidPromise());
        } else {
            ctx.write(message, ctx.voidPromise());
        }
    }

    /** Sends {@code {"error": message}} with {@code status}. */
    void error(HttpResponseStatus status, String message, boolean flush) {
        send(Responses.error(alloc(), version, status, message), flush);
    }

    /** Sends {@code 200} with {@code body}. */
    void ok(JsonBody body, boolean flush) {
        send(Responses.json(version, HttpResponseStatus.OK, body.done()), flush);
    }
}
