package kvstore.netty.http;

import io.netty.handler.ssl.SslContext;
import kvstore.netty.security.AccessRules;

/**
 * How the HTTP server listens and what it allows each client.
 *
 * @param host address to listen on
 * @param port TCP port, 0 for any free one
 * @param maxBody largest request body accepted, in bytes
 * @param idleSeconds close a connection after this long without traffic
 * @param requestTimeoutSeconds longest time from a request's first byte to its last
 * @param maxConnections most client connections open at once
 * @param access who may use the server
 * @param tls the TLS set-up, or null to serve plain HTTP
 */
public record HttpSettings(String host, int port, int maxBody, int idleSeconds, int requestTimeoutSeconds,
                           int maxConnections, AccessRules access, SslContext tls) {
    public static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** The most of the heap the request bodies, and the large answers, held across connections may take. */
    static final long HEAP_SHARE_CAP = 64L << 20;

    /** The default limits and access rules of a loopback server, plain HTTP, with the given address and body limit. */
    public static HttpSettings of(String host, int port, int maxBody, int idleSeconds) {
        return new HttpSettings(host, port, maxBody, idleSeconds, DEFAULT_REQUEST_TIMEOUT_SECONDS,
                DEFAULT_MAX_CONNECTIONS, AccessRules.LOOPBACK_DEFAULTS, null);
    }

    /**
     * The most bytes of request bodies held at once across all connections: a quarter of the heap, at most
     * 64 MiB, and room for two of the largest bodies at least.
     */
    long bodyBudget() {
        return Math.max(heapShare(), 2L * maxBody);
    }

    /**
     * The most bytes of large responses built and not yet sent across all connections: a quarter of the heap,
     * at most 64 MiB.
     */
    long responseBudget() {
        return heapShare();
    }

    private static long heapShare() {
        return Math.min(HEAP_SHARE_CAP, Runtime.getRuntime().maxMemory() / 4);
    }
}
