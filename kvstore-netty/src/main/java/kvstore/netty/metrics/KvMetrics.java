package kvstore.netty.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import kvstore.core.Engine;
import kvstore.core.LogObserver;
import kvstore.core.cluster.Cluster;
import kvstore.core.time.NanoClock;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

/**
 * The metrics of one server, in a registry of its own: the log's (through {@link #logObserver}, handed to the
 * engine before it opens), the engine's figures ({@link #watch}), the HTTP layer's ({@link #http}) and the JVM's.
 * {@link #writeTo} writes them all in the Prometheus text format.
 */
public final class KvMetrics {
    /** The content type of what {@link #writeTo} writes. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter format = PrometheusTextFormatWriter.create();
    private final LogMetrics log;
    private final HttpMetrics http;

    /** Metrics timed by {@code clock}, with the JVM's figures. */
    public KvMetrics(NanoClock clock) {
        this.log = new LogMetrics(registry);
        this.http = new HttpMetrics(registry, clock);
        registerJvmMetrics(registry);
    }

    /**
     * The JVM's figures: the groups of the client library's {@code JvmMetrics}, native memory only when the JVM
     * tracks it ({@code -XX:NativeMemoryTracking}). Asking whether it does goes through the platform MBean server,
     * whose start brings up the flight recorder's beans: a share of every start's CPU, for no series without it.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking=") && !a.endsWith("=off"))) {
            JvmNativeMemoryMetrics.builder().register(registry);
        }
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** The observer to pass to the engine's configuration. */
    public LogObserver logObserver() {
        return log;
    }

    /** Request and connection metrics, recorded by the HTTP layer. */
    public HttpMetrics http() {
        return http;
    }

    /** Exports {@code engine}'s figures, read from {@link Engine#stats()} at each scrape. */
    public void watch(Supplier<Engine.Stats> stats) {
        EngineGauges.register(registry, stats);
    }

    /** Exports a cluster member's replication series, read from {@code cluster} at each scrape. */
    public void watch(Cluster cluster) {
        ClusterGauges.register(registry, cluster);
    }

    /** Writes every metric in the Prometheus text format; {@code out} is not closed. */
    public void writeTo(OutputStream out) throws IOException {
        format.write(out, registry.scrape());
    }
}
