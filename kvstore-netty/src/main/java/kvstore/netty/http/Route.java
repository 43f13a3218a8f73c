package kvstore.netty.http;

import io.netty.handler.codec.http.HttpMethod;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a request goes: the endpoint its path names, the methods that endpoint takes, and which of them
 * write. The {@code Allow} header of a {@code 405} and the read/write split of {@link RequestOrder} both
 * come from here.
 *
 * <pre>
 * /kv/{key}   GET PUT* DELETE*   (everything after /kv/ is the key, so /kv/a/b is the key "a/b")
 * /kv         GET                (?prefix=)
 * /kv/batch   POST*              (other methods address the key "batch")
 * /stats      GET
 * /health     GET
 * /metrics    GET                (Prometheus text format)
 * /openapi.json GET              (this API as an OpenAPI 3.1 document)
 * /admin/compact  POST           (starts a compaction; changes no data, answered once it started)
 * /backup     GET                (streams a copy of the data set)
 *             * writes: goes through the engine's log
 * </pre>
 */
enum Route {
    ITEM(reading(HttpMethod.GET), writing(HttpMethod.PUT, HttpMethod.DELETE)),
    LIST(reading(HttpMethod.GET), writing()),
    BATCH(reading(), writing(HttpMethod.POST)),
    STATS(reading(HttpMethod.GET), writing()),
    HEALTH(reading(HttpMethod.GET), writing()),
    METRICS(reading(HttpMethod.GET), writing()),
    OPENAPI(reading(HttpMethod.GET), writing()),
    COMPACT(reading(HttpMethod.POST), writing()),
    BACKUP(reading(HttpMethod.GET), writing()),
    /** No endpoint has this path: a {@code 404}. */
    NOT_FOUND(reading(), writing()),
    /** The request could not be decoded (bad HTTP, or a body over the limit): a {@code 400} or {@code 413}. */
    UNREADABLE(reading(), writing());

    private static final String KV = "/kv";
    private static final String ITEM_PREFIX = "/kv/";
    private static final String BATCH_PATH = "/kv/batch";

    private final HttpMethod[] reads;
    private final HttpMethod[] writes;
    /** The methods this route takes, as an {@code Allow} header value. */
    final String allow;

    Route(HttpMethod[] reads, HttpMethod[] writes) {
        this.reads = reads;
        this.writes = writes;
        this.allow = Stream.concat(Arrays.stream(reads), Arrays.stream(writes))
                .map(HttpMethod::name).collect(Collectors.joining(", "));
    }

    private static HttpMethod[] reading(HttpMethod... methods) {
        return methods;
    }

    private static HttpMethod[] writing(HttpMethod... methods) {
        return methods;
    }

    /** The route of a request for {@code uri}, whose path ends at {@code pathEnd}, with {@code method}. */
    static Route of(HttpMethod method, String uri, int pathEnd) {
        if (uri.startsWith(ITEM_PREFIX)) {
            return method == HttpMethod.POST && is(uri, pathEnd, BATCH_PATH) ? BATCH : ITEM;
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
        if (is(uri, pathEnd, "/metrics")) {
            return METRICS;
        }
        if (is(uri, pathEnd, "/openapi.json")) {
            return OPENAPI;
        }
        if (is(uri, pathEnd, "/admin/compact")) {
            return COMPACT;
        }
        if (is(uri, pathEnd, "/backup")) {
            return BACKUP;
        }
        return NOT_FOUND;
    }

    /** Whether this route takes {@code method}. */
    boolean allows(HttpMethod method) {
        return contains(reads, method) || contains(writes, method);
    }

    /** Whether {@code method} on this route changes the store, so that later reads must wait for it. */
    boolean writes(HttpMethod method) {
        return contains(writes, method);
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

    private static boolean contains(HttpMethod[] methods, HttpMethod method) {
        for (HttpMethod m : methods) {
            if (m == method) {
                return true;
            }
        }
        return false;
    }

    private static boolean is(String uri, int pathEnd, String path) {
        return pathEnd == path.length() && uri.startsWith(path);
    }
}
