package kvstore.netty.http;

/**
 * How the HTTP server listens and what it allows each client.
 *
 * @param host address to listen on
 * @param port TCP port, 0 for any free one
 * @param maxBody largest request body accepted, in bytes
 * @param idleSeconds close a connection after this long without traffic
 */
public record HttpSettings(String host, int port, int maxBody, int idleSeconds) {
}
