package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Answers the requests refused before the API ({@link Refusal#marker}s) with their JSON error, in their turn;
 * every other request goes on to {@link KvHandler}. A {@code 401} carries {@code WWW-Authenticate: Bearer}.
 */
final class RefusedRequestHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SequencedRequest sequenced) || Refusal.of(sequenced.request()) == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        FullHttpRequest marker = sequenced.request();
        Refusal refusal = Refusal.of(marker);
        FullHttpResponse response = Responses.json(marker.protocolVersion(), refusal.status,
                Replies.error(ctx.alloc(), refusal.getMessage(), -1), !refusal.close, null);
        marker.release();
        if (refusal.status.equals(HttpResponseStatus.UNAUTHORIZED)) {
            response = withBearerChallenge(response);
        }
        ctx.write(new SequencedResponse(sequenced.sequence(), response, refusal.close), ctx.voidPromise());
        ctx.flush();
    }

    private static FullHttpResponse withBearerChallenge(FullHttpResponse response) {
        FullHttpResponse challenged = new DefaultFullHttpResponse(response.protocolVersion(), response.status(),
                response.content());
        challenged.headers().set(response.headers()).set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        return challenged;
    }
}
