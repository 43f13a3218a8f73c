package kvstore.netty.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import kvstore.core.LogObserver;

/**
 * The engine's {@link LogObserver}: the write-ahead log's appends and fsyncs, compactions, expired keys and
 * replay, as Prometheus counters, histograms and gauges. Called once per group of writes, so a busy log pays
 * a few atomic additions per group, not per write.
 */
final class LogMetrics implements LogObserver {
    /** From 10 µs (an append to the page cache) to 1 s. */
    private static final double[] APPEND_SECONDS = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
        0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
    /** From 100 µs (a fast SSD) to 10 s (a disk in trouble). */
    private static final double[] FSYNC_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Powers of two up to the largest group the log worker takes. */
    private static final double[] WRITES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
    private static final double[] COMPACTION_SECONDS = {0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600};

    private final Histogram appendSeconds;
    private final Counter appendedBytes;
    private final Counter writes;
    private final Histogram fsyncSeconds;
    private final Histogram writesPerFsync;
    private final Histogram compactionSeconds;
    private final Counter reclaimedBytes;
    private final Counter expiredKeys;
    private final Gauge replaySeconds;
    private final Gauge replayRecords;
    /** Log worker's thread only: writes appended since the last fsync. */
    private long writesSinceFsync;

    LogMetrics(PrometheusRegistry registry) {
        appendSeconds = histogram("kvstore_wal_append_duration_seconds",
                "Time to write one group of writes to the log, without the fsync.", Unit.SECONDS, APPEND_SECONDS)
                .register(registry);
        appendedBytes = Counter.builder().name("kvstore_wal_appended_bytes_total").unit(Unit.BYTES)
                .help("Bytes appended to the write-ahead log since start.").withoutExemplars().register(registry);
        writes = Counter.builder().name("kvstore_wal_writes_total")
                .help("Writes appended to the log since start (a batch counts once).").withoutExemplars()
                .register(registry);
        fsyncSeconds = histogram("kvstore_wal_fsync_duration_seconds", "Time of one fsync of the log.",
                Unit.SECONDS, FSYNC_SECONDS).register(registry);
        writesPerFsync = histogram("kvstore_wal_writes_per_fsync",
                "Writes made durable by one fsync of the log (group commit).", null, WRITES).register(registry);
        compactionSeconds = histogram("kvstore_compaction_duration_seconds",
                "Time of one compaction, from the start of its snapshot to the new log in place.", Unit.SECONDS,
                COMPACTION_SECONDS).register(registry);
        reclaimedBytes = Counter.builder().name("kvstore_compaction_reclaimed_bytes_total").unit(Unit.BYTES)
                .help("Bytes by which compactions shrank the log.").withoutExemplars().register(registry);
        expiredKeys = Counter.builder().name("kvstore_expired_keys_total")
                .help("Keys removed from memory because their TTL ran out.").withoutExemplars().register(registry);
        replaySeconds = Gauge.builder().name("kvstore_replay_duration_seconds").unit(Unit.SECONDS)
                .help("Time the last start took to replay the log.").withoutExemplars().register(registry);
        replayRecords = Gauge.builder().name("kvstore_replay_records")
                .help("Writes replayed from the log by the last start.").withoutExemplars().register(registry);
    }

    private static Histogram.Builder histogram(String name, String help, Unit unit, double[] bounds) {
        Histogram.Builder builder = Histogram.builder().name(name).help(help).classicOnly()
                .classicUpperBounds(bounds).withoutExemplars();
        return unit == null ? builder : builder.unit(unit);
    }

    @Override
    public void replayed(long records, long bytes, long nanos) {
        replaySeconds.set(Unit.nanosToSeconds(nanos));
        replayRecords.set(records);
    }

    @Override
    public void appended(int writes, long bytes, long nanos) {
        appendSeconds.observe(Unit.nanosToSeconds(nanos));
        appendedBytes.inc(bytes);
        this.writes.inc(writes);
        writesSinceFsync += writes;
    }

    @Override
    public void forced(long nanos) {
        fsyncSeconds.observe(Unit.nanosToSeconds(nanos));
        writesPerFsync.observe(writesSinceFsync);
        writesSinceFsync = 0;
    }

    @Override
    public void compacted(long bytesBefore, long bytesAfter, long nanos) {
        compactionSeconds.observe(Unit.nanosToSeconds(nanos));
        reclaimedBytes.inc(Math.max(0, bytesBefore - bytesAfter));
    }

    @Override
    public void expired(int keys) {
        expiredKeys.inc(keys);
    }
}
