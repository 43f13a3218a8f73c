package kvstore.netty.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.netty.security.AccessRules;

/**
 * Applies the {@link AccessRules} to each request head before its body is read: a browser page from an origin
 * not allowed (and not the server's own: the web console) and a Host that is not ours get {@code 403}, a
 * request without the token gets {@code 401} (but for the routes that need none, {@code GET /health} and the
 * web console's files, and for a CORS preflight of an allowed origin, which browsers send without it). The
 * refused request's body is read and dropped; the connection stays open.
 */
final class AccessHandler extends RequestGateHandler {
    private final AccessRules rules;
    /** Whether the connection speaks HTTPS, so that the server's own pages have an {@code https://} origin. */
    private final boolean tls;
    /**
     * The {@code Host} last allowed on this connection (its event loop's): a client sends the same one on every
     * request, and checking it again (lower-casing, cutting the port, matching patterns) was a few percent of a
     * GET's CPU.
     */
    private String allowedHost;

    AccessHandler(AccessRules rules, boolean tls) {
        this.rules = rules;
        this.tls = tls;
    }

    @Override
    Refusal check(HttpRequest head) {
        if (!head.decoderResult().isSuccess()) {
            return null;
        }
        HttpHeaders headers = head.headers();
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (!rules.originAllowed(origin) && !rules.sameOrigin(origin, headers.get(HttpHeaderNames.HOST), tls)) {
            return new Refusal(HttpResponseStatus.FORBIDDEN, "cross-origin request refused", false);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null || !host.equals(allowedHost)) {
            if (!rules.hostAllowed(host)) {
                return new Refusal(HttpResponseStatus.FORBIDDEN, "host not allowed", false);
            }
            allowedHost = host;
        }
        if (rules.token() != null && !rules.authorised(isPublic(head) || CorsHandler.isPreflight(head),
                headers.get(HttpHeaderNames.AUTHORIZATION))) {
            return new Refusal(HttpResponseStatus.UNAUTHORIZED, "unauthorized", false);
        }
        return null;
    }

    /** Whether the request needs no token: its route says so ({@code GET /health}, {@code GET /ui/{file}}). */
    private static boolean isPublic(HttpRequest head) {
        String uri = head.uri();
        return !Route.of(head.method(), uri, Route.pathEnd(uri)).needsToken(head.method());
    }
}
