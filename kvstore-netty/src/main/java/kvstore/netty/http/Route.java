package kvstore.netty.http;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Where a request goes: the endpoint its path names, and whether its method is one the endpoint takes.
 *
 * <pre>
 * /kv/{key}   GET PUT DELETE   (everything after /kv/ is the key, so /kv/a/b is the key "a/b")
 * /kv         GET              (?prefix=)
 * /kv/batch   POST             (other methods address the key "batch")
 * /stats      GET
 * /health     GET
 * </pre>
 */
enum Route {
    ITEM("GET, PUT, DELETE"),
    LIST("GET"),
    BATCH("POST"),
    STATS("GET"),
    HEALTH("GET"),
    NOT_FOUND("");

    private static final String KV = "/kv";
    private static final String ITEM_PREFIX = "/kv/";

    /** The methods this route takes, as an {@code Allow} header value. */
    final String allow;

    Route(String allow) {
        this.allow = allow;
    }

    /** The route of a request for {@code path} (the URI without its query) with {@code method}. */
    static Route of(HttpMethod method, String uri, int pathEnd) {
        if (uri.startsWith(ITEM_PREFIX)) {
            return method == HttpMethod.POST && pathEnd == "/kv/batch".length() && uri.startsWith("/kv/batch") ? BATCH : ITEM;
        }
        if (is(uri, pathEnd, KV)) {
            return LIST;
        }
        if (is(uri, pathEnd, "/stats")) {
            return STATS;
        }
        if (is(uri, pathEnd, "/health")) {
            return HEALTH;
        }
        return NOT_FOUND;
    }

    /** Whether this route takes {@code method}. */
    boolean allows(HttpMethod method) {
        return switch (this) {
            case ITEM -> method == HttpMethod.GET || method == HttpMethod.PUT || method == HttpMethod.DELETE;
            case BATCH -> method == HttpMethod.POST;
            case LIST, STATS, HEALTH -> method == HttpMethod.GET;
            case NOT_FOUND -> false;
        };
    }

    /** Where the path of {@code uri} ends: at its query or fragment, or at its end. */
    static int pathEnd(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return uri.length();
    }

    private static boolean is(String uri, int pathEnd, String path) {
        return pathEnd == path.length() && uri.startsWith(path);
    }
}
