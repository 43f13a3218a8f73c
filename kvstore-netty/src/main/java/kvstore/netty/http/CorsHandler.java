package kvstore.netty.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import kvstore.netty.security.AccessRules;

import java.util.ArrayDeque;

/**
 * Lets the browser pages of the origins in {@code --allowed-origins} use the API (CORS): the answer to each of
 * their requests names the origin and exposes kvstore's own headers, and the answer to a preflight
 * ({@code OPTIONS} with {@code Access-Control-Request-Method}, which {@link KvHandler} answers {@code 204}
 * without the token, as browsers send none) lists the methods and request headers the API takes. A request
 * from any other origin never gets here: {@link AccessHandler} refuses it.
 *
 * <p>Only in the pipeline when some origin is allowed. It sits before {@link AccessHandler}, so refused
 * requests' answers carry the headers too (a page can then read why), and before {@link ResponseOrder} on
 * the way out, where answers leave in request order: it matches each answer to the oldest request it has not
 * answered. Fields are owned by the channel's event loop.
 */
final class CorsHandler extends ChannelDuplexHandler {
    static final String ALLOW_METHODS = "GET, PUT, POST, DELETE";
    static final String ALLOW_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, Last-Event-ID";
    static final String EXPOSE_HEADERS = "ETag, X-Kvstore-Revision";
    /** How long a browser may reuse a preflight's answer. */
    static final String MAX_AGE_SECONDS = "600";

    /** The request's allowed origin (null: no CORS headers) and whether it was a preflight. */
    private record Asked(String origin, boolean preflight) {
    }

    private static final Asked NOTHING = new Asked(null, false);

    private final AccessRules rules;
    /** The requests read and not yet answered, oldest first. */
    private final ArrayDeque<Asked> unanswered = new ArrayDeque<>();

    CorsHandler(AccessRules rules) {
        this.rules = rules;
    }

    /** Whether {@code head} is a CORS preflight: it asks what a later request may do and carries no token. */
    static boolean isPreflight(HttpRequest head) {
        HttpHeaders headers = head.headers();
        return head.method() == HttpMethod.OPTIONS && headers.contains(HttpHeaderNames.ORIGIN)
                && headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head) {
            String origin = head.headers().get(HttpHeaderNames.ORIGIN);
            unanswered.add(origin != null && rules.originAllowed(origin)
                    ? new Asked(origin, isPreflight(head)) : NOTHING);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            Asked asked = unanswered.poll();
            if (asked != null && asked.origin() != null) {
                msg = withCorsHeaders(response, asked);
            }
        }
        ctx.write(msg, promise);
    }

    /** The response again, with headers of its own (responses share read-only ones) and the CORS ones added. */
    private static HttpResponse withCorsHeaders(HttpResponse response, Asked asked) {
        HttpHeaders headers = new DefaultHttpHeaders().add(response.headers())
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, asked.origin())
                .add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN)
                .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
        if (asked.preflight()) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
                    .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS)
                    .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
        }
        if (response instanceof FullHttpResponse full) {
            return new DefaultFullHttpResponse(full.protocolVersion(), full.status(), full.content(), headers,
                    full.trailingHeaders());
        }
        return new DefaultHttpResponse(response.protocolVersion(), response.status(), headers);
    }
}
