/**
 * The server's Prometheus metrics, served by {@code GET /metrics}: one {@link kvstore.netty.metrics.KvMetrics}
 * per server holds the registry and writes the text format.
 *
 * <p>Where each figure comes from: {@link kvstore.netty.metrics.LogMetrics} is the engine's
 * {@link kvstore.core.LogObserver} (appends, fsyncs, compactions, expiry, replay), {@link
 * kvstore.netty.metrics.EngineGauges} read {@code Engine.stats()} at scrape time, {@link
 * kvstore.netty.metrics.HttpMetrics} counts requests by route, method and status and the open connections,
 * and the JVM's own figures come from the client library's {@code JvmMetrics}.
 *
 * <p>Threads: recording happens on the threads that do the work (event loops, the log worker, the expiry
 * thread) into the library's thread-safe counters and histograms; a scrape reads them on the event loop that
 * serves {@code GET /metrics}. The only unshared field is {@code LogMetrics}'s count of writes since the last
 * fsync, owned by the log worker's thread.
 */
package kvstore.netty.metrics;
