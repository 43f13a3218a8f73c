/**
 * kvstore-client against the real server, started in this JVM (a {@code LocalEngine} or a cluster of
 * {@code RaftEngine}s, each behind the real {@code HttpServer} on a loopback port).
 *
 * <p>Why here and not beside the client: kvstore-netty depends on kvstore-client (the command line speaks through
 * it), so kvstore-client's own tests cannot depend on the server module; Maven forbids the cycle. The client's
 * unit tests (SSE parsing, backoff, endpoint rotation, exception mapping, scripted fault answers) stay beside it in
 * kvstore-client/src/test. These tests share the client's package so they can reach its package-private seams.
 *
 * <p>Threads: each test drives the client from the JUnit thread (and its own worker threads where it says so);
 * the servers run on their own event loops and writer threads, as in production.
 */
package kvstore.client;
