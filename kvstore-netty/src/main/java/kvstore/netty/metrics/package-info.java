/**
 * What kvstore tells Prometheus: {@link kvstore.netty.metrics.KvstoreMetrics} holds every metric (the ones
 * kvstore records, the ones read from the engine at each scrape, and the JVM's), and
 * {@link kvstore.netty.metrics.MetricsScrape} renders them in the format a scraper asks for.
 *
 * <p>Names follow Prometheus's naming guide: a {@code kvstore_} prefix, base units (seconds, bytes) in the
 * name, {@code _total} on counters (the client adds it), {@code _count}/{@code _sum}/{@code _bucket} on
 * histograms; a histogram's {@code _count} is also the number of events it timed.
 *
 * <p>Threads: every metric may be recorded from any thread (the client keeps striped, lock-free cells);
 * no field here is owned by one thread. Callback metrics call their suppliers on the scraping thread, so a
 * scrape must not run on a Netty event loop if a supplier can block; {@link kvstore.core.Engine#stats()}
 * does not. The JVM metrics read {@code /proc} files, which is why a scrape belongs off the event loops.
 */
package kvstore.netty.metrics;
