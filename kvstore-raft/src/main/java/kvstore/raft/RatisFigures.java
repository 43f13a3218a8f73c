package kvstore.raft;

import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.server.metrics.LeaderElectionMetrics;
import org.apache.ratis.server.metrics.LogAppenderMetrics;
import org.apache.ratis.server.metrics.RaftLogMetricsBase;
import org.apache.ratis.server.metrics.SegmentedRaftLogMetrics;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counter;
import org.apache.ratis.thirdparty.com.codahale.metrics.Gauge;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;

/**
 * Figures Ratis keeps of one member (its elections, its log's segments and flushes, its followers' progress),
 * read from Ratis's own metric registries by name when asked: nothing is recorded twice.
 *
 * <p>Threads: any thread; Ratis's gauges and counters are thread-safe.
 */
final class RatisFigures {
    /** Ratis's registries are named after the member in its group, e.g. {@code n1@group-11547C3EBD2C}. */
    private final String member;

    RatisFigures(String member) {
        this.member = member;
    }

    /** Elections this member started since it started. */
    long elections() {
        return figure(LeaderElectionMetrics.RATIS_LEADER_ELECTION_METRICS,
                LeaderElectionMetrics.LEADER_ELECTION_COUNT_METRIC);
    }

    /** Bytes of the member's log segments now, without the preallocated tail of the open one. */
    long logBytes() {
        return figure(RaftLogMetricsBase.RATIS_LOG_WORKER_METRICS,
                SegmentedRaftLogMetrics.RAFT_LOG_CACHE_CLOSED_SEGMENTS_SIZE_IN_BYTES)
                + figure(RaftLogMetricsBase.RATIS_LOG_WORKER_METRICS,
                SegmentedRaftLogMetrics.RAFT_LOG_CACHE_OPEN_SEGMENT_SIZE_IN_BYTES);
    }

    /** Flushes (each with its fsync) of the member's log since it started. */
    long logFlushes() {
        return figure(RaftLogMetricsBase.RATIS_LOG_WORKER_METRICS, SegmentedRaftLogMetrics.RAFT_LOG_FLUSH_COUNT);
    }

    /** On the leader, the highest index {@code follower} is known to hold; -1 when unknown. */
    long matchIndex(String follower) {
        Metric m = metric(LogAppenderMetrics.RATIS_LOG_APPENDER_METRICS,
                String.format(LogAppenderMetrics.FOLLOWER_MATCH_INDEX, follower));
        return m == null ? -1 : value(m);
    }

    private long figure(String component, String name) {
        Metric m = metric(component, name);
        return m == null ? 0 : Math.max(0, value(m));
    }

    private Metric metric(String component, String name) {
        for (RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries()) {
            if (registry instanceof RatisMetricRegistryImpl impl
                    && member.equals(registry.getMetricRegistryInfo().getPrefix())
                    && component.equals(registry.getMetricRegistryInfo().getMetricsComponentName())) {
                Metric m = impl.get(name);
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }

    private static long value(Metric m) {
        if (m instanceof Counter counter) {
            return counter.getCount();
        }
        if (m instanceof Gauge<?> gauge && gauge.getValue() instanceof Number n) {
            return n.longValue();
        }
        return 0;
    }
}
