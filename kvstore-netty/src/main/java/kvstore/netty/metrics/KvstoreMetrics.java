package kvstore.netty.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import kvstore.core.Engine;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Every metric of one kvstore process, in its own registry: those kvstore records as things happen
 * (requests, connections, log appends and fsyncs, compactions, expiries, the replay), those read from the
 * engine's {@link Engine.Stats} at each scrape (keys, bytes, log size, counts), and the JVM's.
 */
public final class KvstoreMetrics {
    private static final double[] REQUEST_SECONDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
            0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
    private static final double[] APPEND_SECONDS = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
            0.0025, 0.005, 0.01, 0.05, 0.25, 1};
    private static final double[] FSYNC_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 1, 5};
    private static final double[] WRITES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    private static final double[] COMPACTION_SECONDS = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram requests;
    private final Gauge openConnections;
    private final Histogram walAppend;
    private final Histogram walFsync;
    private final Histogram writesPerFsync;
    private final Histogram compaction;
    private final Counter expiredKeys;
    private final Gauge replaySeconds;
    private final Gauge replayRecords;

    /** The metrics of a server whose engine reports {@code engineStats} (called at each scrape). */
    public KvstoreMetrics(Supplier<Engine.Stats> engineStats) {
        requests = histogram("kvstore_http_request_duration_seconds",
                "Time from a request's arrival to its response being handed to the connection, by route, method and status.",
                REQUEST_SECONDS, "route", "method", "status");
        openConnections = Gauge.builder().name("kvstore_http_open_connections")
                .help("Client connections open now.").register(registry);
        walAppend = histogram("kvstore_wal_append_duration_seconds",
                "Time to write one group of log records to the log file, before its fsync.", APPEND_SECONDS);
        walFsync = histogram("kvstore_wal_fsync_duration_seconds", "Time of one fsync of the log.", FSYNC_SECONDS);
        writesPerFsync = Histogram.builder().name("kvstore_wal_writes_per_fsync")
                .help("Writes (a batch counts as one) made durable by one fsync of the log.")
                .classicOnly().classicUpperBounds(WRITES).register(registry);
        compaction = histogram("kvstore_compaction_duration_seconds",
                "Time of one compaction of the log, from its start to the new log in place.", COMPACTION_SECONDS);
        expiredKeys = Counter.builder().name("kvstore_expired_keys")
                .help("Keys removed because their TTL ran out.").register(registry);
        replaySeconds = Gauge.builder().name("kvstore_replay_duration_seconds").unit(Unit.SECONDS)
                .help("Time the start-up replay of the log took.").register(registry);
        replayRecords = Gauge.builder().name("kvstore_replay_records")
                .help("Log records the start-up replay read.").register(registry);
        engineGauge("kvstore_keys", "Live keys (expired keys are not counted).", engineStats, Engine.Stats::keys);
        engineGauge("kvstore_value_bytes", "Bytes of all live values, as compact JSON.", engineStats,
                Engine.Stats::valueBytes);
        engineGauge("kvstore_wal_size_bytes", "Size of the log file.", engineStats, Engine.Stats::logBytes);
        engineCounter("kvstore_wal_fsyncs", "Fsyncs of the log since start.", engineStats, Engine.Stats::logSyncs);
        engineCounter("kvstore_compactions", "Compactions of the log since start.", engineStats,
                Engine.Stats::compactions);
        JvmMetrics.builder().register(registry);
    }

    /** The requests of one route (a path pattern such as {@code /kv/{key}}) and method; keep it and reuse it. */
    public RequestMetrics requests(String route, String method) {
        return new RequestMetrics(requests, route, method);
    }

    public void connectionOpened() {
        openConnections.inc();
    }

    public void connectionClosed() {
        openConnections.dec();
    }

    /** One group of log records written in {@code nanos} (the write call, not the fsync). */
    public void walAppended(long nanos) {
        walAppend.observe(Durations.seconds(nanos));
    }

    /** One fsync of the log that took {@code nanos} and made {@code writes} writes durable. */
    public void walFsynced(long nanos, int writes) {
        walFsync.observe(Durations.seconds(nanos));
        writesPerFsync.observe(writes);
    }

    /** One compaction that took {@code nanos}; the count comes from the engine's stats. */
    public void compacted(long nanos) {
        compaction.observe(Durations.seconds(nanos));
    }

    public void expired(long keys) {
        expiredKeys.inc(keys);
    }

    /** The start-up replay: {@code records} read in {@code millis}. */
    public void replayed(long records, long millis) {
        replayRecords.set(records);
        replaySeconds.set(millis / 1000.0);
    }

    /** The memory the live data takes against its ceiling ({@code --max-memory}), read at each scrape. */
    public void memory(LongSupplier usedBytes, long maxBytes) {
        GaugeWithCallback.builder().name("kvstore_memory_used_bytes")
                .help("Estimated bytes of the live data (keys, values, per-entry overhead).")
                .callback(cb -> cb.call(usedBytes.getAsLong())).register(registry);
        GaugeWithCallback.builder().name("kvstore_memory_max_bytes")
                .help("The ceiling on the live data (--max-memory); writes beyond it are refused.")
                .callback(cb -> cb.call(maxBytes)).register(registry);
    }

    PrometheusRegistry registry() {
        return registry;
    }

    private Histogram histogram(String name, String help, double[] bounds, String... labels) {
        return Histogram.builder().name(name).unit(Unit.SECONDS).help(help).labelNames(labels)
                .classicOnly().classicUpperBounds(bounds).register(registry);
    }

    private void engineGauge(String name, String help, Supplier<Engine.Stats> stats, ToLongFunction<Engine.Stats> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsLong(stats.get()))).register(registry);
    }

    private void engineCounter(String name, String help, Supplier<Engine.Stats> stats, ToLongFunction<Engine.Stats> value) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsLong(stats.get()))).register(registry);
    }
}
