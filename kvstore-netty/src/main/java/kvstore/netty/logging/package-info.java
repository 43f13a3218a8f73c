/**
 * The logging the server runs with: slf4j-simple's lines (configured by {@code simplelogger.properties}), except
 * that a warning Apache Ratis repeats for as long as a peer is unreachable is logged once per interval with a
 * count of the repeats left out, instead of once per attempt.
 *
 * <p>Threads. Loggers are called from any thread. {@code QuietRatisLoggers} keeps its wrappers in a concurrent map;
 * each {@code RepeatLimitedLogger} counts repeats in its {@link kvstore.core.RateLimitedLog}, which is thread-safe.
 */
package kvstore.netty.logging;
