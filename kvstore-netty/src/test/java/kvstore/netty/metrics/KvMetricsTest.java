package kvstore.netty.metrics;

import io.netty.channel.embedded.EmbeddedChannel;
import kvstore.core.Engine;
import kvstore.core.LogObserver;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each recorded figure becomes in the text {@code GET /metrics} serves. */
class KvMetricsTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final KvMetrics metrics = new KvMetrics(nanos::get);

    private String text() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The value of the one sample named exactly {@code series} (name and labels as written). */
    private double sample(String series) throws IOException {
        for (String line : text().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no sample " + series + " in:\n" + text());
    }

    @Test
    void shouldExportWhatTheLogObserverIsTold() throws IOException {
        LogObserver log = metrics.logObserver();
        log.replayed(42, 4_200, TimeUnit.MILLISECONDS.toNanos(1_500));
        log.appended(3, 300, TimeUnit.MICROSECONDS.toNanos(20));
        log.appended(2, 200, TimeUnit.MICROSECONDS.toNanos(20));
        log.forced(TimeUnit.MILLISECONDS.toNanos(2));
        log.appended(1, 100, TimeUnit.MICROSECONDS.toNanos(20));
        log.forced(TimeUnit.MILLISECONDS.toNanos(2));
        log.compacted(10_000, 4_000, TimeUnit.MILLISECONDS.toNanos(200));
        log.expired(7);

        assertEquals(1.5, sample("kvstore_replay_duration_seconds"));
        assertEquals(42, sample("kvstore_replay_records"));
        assertEquals(6, sample("kvstore_wal_writes_total"));
        assertEquals(600, sample("kvstore_wal_appended_bytes_total"));
        assertEquals(3, sample("kvstore_wal_append_duration_seconds_count"));
        assertEquals(0, sample("kvstore_wal_append_duration_seconds_bucket{le=\"1.0E-5\"}"));
        assertEquals(3, sample("kvstore_wal_append_duration_seconds_bucket{le=\"2.5E-5\"}"));
        assertEquals(2, sample("kvstore_wal_fsync_duration_seconds_count"));
        assertEquals(0.004, sample("kvstore_wal_fsync_duration_seconds_sum"), 1e-12);
        assertEquals(2, sample("kvstore_wal_writes_per_fsync_count"));
        assertEquals(6, sample("kvstore_wal_writes_per_fsync_sum"), "the writes since the previous fsync each time");
        assertEquals(1, sample("kvstore_wal_writes_per_fsync_bucket{le=\"4.0\"}"), "1 write, then 5");
        assertEquals(1, sample("kvstore_compaction_duration_seconds_count"));
        assertEquals(0.2, sample("kvstore_compaction_duration_seconds_sum"), 1e-12);
        assertEquals(6_000, sample("kvstore_compaction_reclaimed_bytes_total"));
        assertEquals(7, sample("kvstore_expired_keys_total"));
    }

    @Test
    void shouldReadTheEngineFiguresWhenScraped() throws IOException {
        AtomicLong keys = new AtomicLong(3);
        metrics.watch(() -> new Engine.Stats(keys.get(), 120, 9_000, 1 << 20, 4_096, 17, 2));

        assertEquals(3, sample("kvstore_keys"));
        keys.set(5);
        assertEquals(5, sample("kvstore_keys"), "read at each scrape, not at registration");
        assertEquals(120, sample("kvstore_value_bytes"));
        assertEquals(9_000, sample("kvstore_memory_bytes"));
        assertEquals(1 << 20, sample("kvstore_max_memory_bytes"));
        assertEquals(4_096, sample("kvstore_wal_size_bytes"));
        assertEquals(17, sample("kvstore_wal_fsyncs_total"));
        assertEquals(2, sample("kvstore_compactions_total"));
    }

    @Test
    void shouldCountRequestsByRouteMethodAndStatusWithTheirDuration() throws IOException {
        RequestSeries gets = metrics.http().series("item", "GET");
        long arrived = metrics.http().now();
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(3));
        gets.record(200, arrived);
        gets.record(200, arrived);
        gets.record(404, arrived);

        String item200 = "{method=\"GET\",route=\"item\",status=\"200\"";
        assertEquals(2, sample("kvstore_http_requests_total" + item200 + "}"));
        assertEquals(1, sample("kvstore_http_requests_total{method=\"GET\",route=\"item\",status=\"404\"}"));
        assertEquals(0, sample("kvstore_http_request_duration_seconds_bucket" + item200 + ",le=\"0.0025\"}"));
        assertEquals(2, sample("kvstore_http_request_duration_seconds_bucket" + item200 + ",le=\"0.005\"}"));
        assertEquals(0.006, sample("kvstore_http_request_duration_seconds_sum" + item200 + "}"), 1e-12);
    }

    @Test
    void shouldCountOpenConnections() throws IOException {
        EmbeddedChannel first = new EmbeddedChannel(metrics.http().connections());
        EmbeddedChannel second = new EmbeddedChannel(metrics.http().connections());
        assertEquals(2, sample("kvstore_http_open_connections"));

        first.close();
        assertEquals(1, sample("kvstore_http_open_connections"));
        second.close();
        assertEquals(0, sample("kvstore_http_open_connections"));
    }

    @Test
    void shouldExportTheJvmFigures() throws IOException {
        String text = text();
        for (String name : List.of("jvm_memory_used_bytes", "jvm_gc_collection_seconds", "jvm_threads_current",
                "jvm_classes_currently_loaded", "jvm_compilation_time_seconds_total", "jvm_buffer_pool_used_bytes",
                "jvm_runtime_info", "process_cpu_seconds_total")) {
            assertTrue(text.contains("# TYPE " + name + " "), name + " missing");
        }
        assertFalse(text.contains("jvm_native_memory"), "native memory is exported only when the JVM tracks it");
    }
}
