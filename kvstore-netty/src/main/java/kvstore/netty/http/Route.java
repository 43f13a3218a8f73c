package kvstore.netty.http;

import io.netty.handler.codec.http.HttpMethod;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every endpoint, declared once: its path as the API documents name it (the key of {@code /openapi.json}'s
 * {@code paths}, and how {@code docs/api.md} writes it), the methods it takes and which of them write, and what
 * else the server must know of it. Routing, the {@code Allow} header of a {@code 405}, which requests need the
 * token, which reads wait for a cluster's read barrier, the metrics label ({@link #label}) and the tests that hold
 * the documents to the server all come from here. Adding an endpoint is one line here and its case in
 * {@link KvHandler}.
 *
 * <p>A path with a {@code {parameter}} matches every path that starts with what comes before it; the parameter is
 * the rest (so {@code /kv/a/b} is the key {@code a/b}). A request goes to the first route in this order whose path
 * matches and that takes its method; when none takes it, to the first whose path matches (a {@code 405}); when
 * no path matches, to {@link #NOT_FOUND}.
 */
enum Route {
    ITEM("/kv/{key}", reading(HttpMethod.GET), writing(HttpMethod.PUT, HttpMethod.DELETE), Trait.LINEARIZABLE),
    LIST("/kv", reading(HttpMethod.GET), writing(), Trait.LINEARIZABLE),
    /** Other methods on its path address the key {@code batch}. */
    BATCH("/kv/batch", reading(), writing(HttpMethod.POST)),
    STATS("/stats", reading(HttpMethod.GET), writing(), Trait.LINEARIZABLE),
    HEALTH("/health", reading(HttpMethod.GET), writing(), Trait.PUBLIC),
    /** Server-Sent Events for as long as the client stays; the connection serves nothing else after it. */
    WATCH("/watch", reading(HttpMethod.GET), writing(), Trait.LINEARIZABLE, Trait.STREAM),
    METRICS("/metrics", reading(HttpMethod.GET), writing()),
    OPENAPI("/openapi.json", reading(HttpMethod.GET), writing()),
    /** Starts a compaction; changes no data, answered once it started. */
    COMPACT("/admin/compact", reading(HttpMethod.POST), writing()),
    BACKUP("/backup", reading(HttpMethod.GET), writing()),
    CLUSTER("/cluster", reading(HttpMethod.GET), writing(), Trait.CLUSTER_ONLY),
    READY("/ready", reading(HttpMethod.GET), writing(), Trait.CLUSTER_ONLY),
    /** Adds a member; changes no data, answered once the new membership is committed. */
    MEMBERS("/cluster/members", reading(HttpMethod.POST), writing(), Trait.CLUSTER_ONLY),
    /** Removes a member; changes no data. */
    MEMBER("/cluster/members/{id}", reading(HttpMethod.DELETE), writing(), Trait.CLUSTER_ONLY),
    /** Moves the leadership; changes no data. */
    LEADER("/cluster/leader", reading(HttpMethod.POST), writing(), Trait.CLUSTER_ONLY),
    /** The web console's static files; {@code /ui} itself is redirected to {@code /ui/}, its page. */
    UI("/ui/{file}", reading(HttpMethod.GET), writing(), Trait.PUBLIC, Trait.DIRECTORY),
    /** No endpoint has this path: a {@code 404}. */
    NOT_FOUND(null, reading(), writing()),
    /** The request could not be decoded (bad HTTP, or a body over the limit): a {@code 400} or {@code 413}. */
    UNREADABLE(null, reading(), writing());

    /** What else the server must know of a route. */
    enum Trait {
        /** Its methods need no token, whatever {@code --auth-token-file} says. */
        PUBLIC,
        /** In cluster mode its {@code GET} waits for a read barrier first, unless {@code ?consistency=local}. */
        LINEARIZABLE,
        /** Answered only by a cluster member; a single server has no such endpoint ({@code 404}). */
        CLUSTER_ONLY,
        /** Its response streams until the client goes: the connection closes after it, and no timeout cuts it. */
        STREAM,
        /** Its path without the {@code /} before its parameter matches too (a directory asked for as a file). */
        DIRECTORY
    }

    /** The routes that are endpoints: every one but {@link #NOT_FOUND} and {@link #UNREADABLE}. */
    static final Set<Route> ENDPOINTS = EnumSet.complementOf(EnumSet.of(NOT_FOUND, UNREADABLE));
    private static final Route[] MATCHED = ENDPOINTS.toArray(new Route[0]);

    /** The path as the documents write it, or null for the two routes that are not endpoints. */
    final String documentedPath;
    /** Every path that starts with it matches (a path with a parameter), or null when only the path itself does. */
    private final String prefix;
    /** The prefix without its final {@code /}, which matches too ({@link Trait#DIRECTORY}), or null. */
    private final String directory;
    private final HttpMethod[] reads;
    private final HttpMethod[] writes;
    private final Set<Trait> traits;
    /** The methods this route takes, as an {@code Allow} header value. */
    final String allow;
    /** The route's {@code route} label in the metrics. */
    final String label;

    Route(String documentedPath, HttpMethod[] reads, HttpMethod[] writes, Trait... traits) {
        this.documentedPath = documentedPath;
        int parameter = documentedPath == null ? -1 : documentedPath.indexOf('{');
        this.prefix = parameter < 0 ? null : documentedPath.substring(0, parameter);
        this.reads = reads;
        this.writes = writes;
        this.traits = traits.length == 0 ? EnumSet.noneOf(Trait.class) : EnumSet.copyOf(Arrays.asList(traits));
        this.directory = this.traits.contains(Trait.DIRECTORY) ? prefix.substring(0, prefix.length() - 1) : null;
        this.allow = Stream.concat(Arrays.stream(reads), Arrays.stream(writes))
                .map(HttpMethod::name).collect(Collectors.joining(", "));
        this.label = name().toLowerCase(Locale.ROOT);
    }

    private static HttpMethod[] reading(HttpMethod... methods) {
        return methods;
    }

    private static HttpMethod[] writing(HttpMethod... methods) {
        return methods;
    }

    /** The route of a request for {@code uri}, whose path ends at {@code pathEnd}, with {@code method}. */
    static Route of(HttpMethod method, String uri, int pathEnd) {
        Route matched = NOT_FOUND;
        for (Route route : MATCHED) {
            if (route.matches(uri, pathEnd)) {
                if (route.allows(method)) {
                    return route;
                }
                if (matched == NOT_FOUND) {
                    matched = route;
                }
            }
        }
        return matched;
    }

    private boolean matches(String uri, int pathEnd) {
        if (namesDirectory(uri, pathEnd)) {
            return true;
        }
        if (prefix != null) {
            return pathEnd >= prefix.length() && uri.startsWith(prefix);
        }
        return pathEnd == documentedPath.length() && uri.startsWith(documentedPath);
    }

    /** Whether this route takes {@code method}. */
    boolean allows(HttpMethod method) {
        return contains(reads, method) || contains(writes, method);
    }

    /** Whether {@code method} on this route changes the store, so that later reads must wait for it. */
    boolean writes(HttpMethod method) {
        return contains(writes, method);
    }

    /** Whether {@code method} on this route needs the token (when one is set). */
    boolean needsToken(HttpMethod method) {
        return !(traits.contains(Trait.PUBLIC) && allows(method));
    }

    /** Whether {@code method} on this route reads linearizably in cluster mode, unless asked otherwise. */
    boolean readsLinearizably(HttpMethod method) {
        return method == HttpMethod.GET && traits.contains(Trait.LINEARIZABLE);
    }

    /** Whether only a cluster member answers this route. */
    boolean clusterOnly() {
        return traits.contains(Trait.CLUSTER_ONLY);
    }

    /** Whether {@code uri}, whose path ends at {@code pathEnd}, names this route's directory without its {@code /}. */
    boolean namesDirectory(String uri, int pathEnd) {
        return directory != null && pathEnd == directory.length() && uri.startsWith(directory);
    }

    /** Whether this route's response streams until the client goes, holding its connection. */
    boolean streams() {
        return traits.contains(Trait.STREAM);
    }

    /** The methods this route takes. */
    Set<HttpMethod> methods() {
        return Stream.concat(Arrays.stream(reads), Arrays.stream(writes)).collect(Collectors.toUnmodifiableSet());
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
}
