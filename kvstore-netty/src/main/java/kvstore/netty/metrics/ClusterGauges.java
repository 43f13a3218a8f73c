package kvstore.netty.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import kvstore.core.cluster.Cluster;
import kvstore.core.cluster.ClusterStatus;
import kvstore.core.cluster.ReplicationFigures;

import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A cluster member's replication series, read from its {@link Cluster} when scraped: its role, term and
 * indexes, each follower's lag (on the leader), elections, the replicated log's size and flushes, the entries
 * applied and the snapshots taken.
 */
final class ClusterGauges {
    private static final List<String> ROLES = List.of("leader", "follower", "candidate");

    private ClusterGauges() {
    }

    static void register(PrometheusRegistry registry, Cluster cluster) {
        GaugeWithCallback.builder().name("kvstore_raft_role").help("1 for this member's role, 0 for the others.")
                .labelNames("role").callback(callback -> {
                    String role = cluster.status().role();
                    for (String r : ROLES) {
                        callback.call(r.equals(role) ? 1 : 0, r);
                    }
                }).register(registry);
        status(registry, cluster, "kvstore_raft_term", "The member's current term.", ClusterStatus::term);
        status(registry, cluster, "kvstore_raft_commit_index", "The highest log index the member knows committed.",
                ClusterStatus::commitIndex);
        status(registry, cluster, "kvstore_raft_applied_index", "The highest log index the member applied.",
                ClusterStatus::appliedIndex);
        GaugeWithCallback.builder().name("kvstore_raft_follower_lag_entries")
                .help("On the leader: entries each member is behind the commit index (0 when it holds them all).")
                .labelNames("member").callback(callback -> {
                    ClusterStatus s = cluster.status();
                    for (Map.Entry<String, Long> m : s.matchIndexes().entrySet()) {
                        callback.call(Math.max(0, s.commitIndex() - m.getValue()), m.getKey());
                    }
                }).register(registry);
        counter(registry, cluster, "kvstore_raft_elections_total", "Elections this member started.",
                ReplicationFigures::elections);
        gauge(registry, cluster, "kvstore_raft_log_size_bytes", "Bytes of the replicated log's segments.", Unit.BYTES,
                ReplicationFigures::logBytes);
        counter(registry, cluster, "kvstore_raft_log_flushes_total",
                "Flushes of the replicated log, each with its fsync.", ReplicationFigures::logFlushes);
        counter(registry, cluster, "kvstore_raft_applied_entries_total", "Replicated entries applied.",
                ReplicationFigures::appliedEntries);
        counter(registry, cluster, "kvstore_raft_applied_entry_bytes_total", "Bytes of the replicated entries applied.",
                ReplicationFigures::appliedEntryBytes);
        counter(registry, cluster, "kvstore_raft_snapshots_total", "Snapshots this member took.",
                ReplicationFigures::snapshots);
        gauge(registry, cluster, "kvstore_raft_last_snapshot_size_bytes", "Size of the latest snapshot taken.",
                Unit.BYTES, ReplicationFigures::lastSnapshotBytes);
        gauge(registry, cluster, "kvstore_raft_last_snapshot_duration_seconds", "Time the latest snapshot took.",
                Unit.SECONDS, ReplicationFigures::lastSnapshotSeconds);
    }

    private static void status(PrometheusRegistry registry, Cluster cluster, String name, String help,
                               ToDoubleFunction<ClusterStatus> figure) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(figure.applyAsDouble(cluster.status()))).register(registry);
    }

    private static void gauge(PrometheusRegistry registry, Cluster cluster, String name, String help, Unit unit,
                              ToDoubleFunction<ReplicationFigures> figure) {
        GaugeWithCallback.builder().name(name).help(help).unit(unit)
                .callback(callback -> callback.call(figure.applyAsDouble(cluster.figures()))).register(registry);
    }

    private static void counter(PrometheusRegistry registry, Cluster cluster, String name, String help,
                                ToDoubleFunction<ReplicationFigures> figure) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(figure.applyAsDouble(cluster.figures()))).register(registry);
    }
}
