package kvstore.netty.metrics;

import kvstore.core.Engine;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvstoreMetricsTest {
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);

    private final AtomicReference<Engine.Stats> stats = new AtomicReference<>(new Engine.Stats(3, 120, 0, 0, 4096, 7, 1));
    private final KvstoreMetrics metrics = new KvstoreMetrics(stats::get);
    private final MetricsScrape scrape = new MetricsScrape(metrics);

    private String text() {
        return new String(scrape.scrape(null).body(), StandardCharsets.UTF_8);
    }

    /** Every line {@code name{labels} value} of the exposition, keyed by {@code name{labels}}. */
    private Map<String, Double> samples() {
        Map<String, Double> samples = new TreeMap<>();
        for (String line : text().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.valueOf(line.substring(space + 1)));
            }
        }
        return samples;
    }

    @Test
    void shouldNameEveryKvstoreMetricAsTheNamingGuideSays() {
        metrics.memory(() -> 10, 100);
        metrics.requests("/health", "GET").observe(200, 1000);
        Map<String, String> kvstore = new TreeMap<>();
        Set<String> all = new TreeSet<>();
        Matcher m = TYPE.matcher(text());
        while (m.find()) {
            all.add(m.group(1));
            if (m.group(1).startsWith("kvstore_")) {
                kvstore.put(m.group(1), m.group(2));
            }
        }
        assertEquals(new TreeMap<>(Map.ofEntries(
                Map.entry("kvstore_http_request_duration_seconds", "histogram"),
                Map.entry("kvstore_http_open_connections", "gauge"),
                Map.entry("kvstore_wal_append_duration_seconds", "histogram"),
                Map.entry("kvstore_wal_fsync_duration_seconds", "histogram"),
                Map.entry("kvstore_wal_writes_per_fsync", "histogram"),
                Map.entry("kvstore_wal_size_bytes", "gauge"),
                Map.entry("kvstore_wal_fsyncs_total", "counter"),
                Map.entry("kvstore_compactions_total", "counter"),
                Map.entry("kvstore_compaction_duration_seconds", "histogram"),
                Map.entry("kvstore_keys", "gauge"),
                Map.entry("kvstore_value_bytes", "gauge"),
                Map.entry("kvstore_expired_keys_total", "counter"),
                Map.entry("kvstore_replay_duration_seconds", "gauge"),
                Map.entry("kvstore_replay_records", "gauge"),
                Map.entry("kvstore_memory_used_bytes", "gauge"),
                Map.entry("kvstore_memory_max_bytes", "gauge"))), kvstore);
        assertTrue(all.stream().allMatch(n -> n.startsWith("kvstore_") || n.startsWith("jvm_") || n.startsWith("process_")),
                all.toString());
    }

    @Test
    void shouldCountAndTimeRequestsByRouteMethodAndStatus() {
        RequestMetrics gets = metrics.requests("/kv/{key}", "GET");
        gets.observe(200, 1_000_000);
        gets.observe(200, 3_000_000);
        gets.observe(404, 500_000);
        Map<String, Double> samples = samples();
        String ok = "{method=\"GET\",route=\"/kv/{key}\",status=\"200\"";
        assertEquals(2.0, samples.get("kvstore_http_request_duration_seconds_count" + ok + "}"));
        assertEquals(0.004, samples.get("kvstore_http_request_duration_seconds_sum" + ok + "}"), 1e-12);
        assertEquals(1.0, samples.get("kvstore_http_request_duration_seconds_bucket" + ok + ",le=\"0.001\"}"));
        assertEquals(2.0, samples.get("kvstore_http_request_duration_seconds_bucket" + ok + ",le=\"0.005\"}"));
        assertEquals(1.0, samples.get("kvstore_http_request_duration_seconds_count{method=\"GET\",route=\"/kv/{key}\",status=\"404\"}"));
    }

    @Test
    void shouldRefuseAStatusThatIsNotHttp() {
        assertThrows(IllegalArgumentException.class, () -> metrics.requests("/health", "GET").observe(600, 1));
    }

    @Test
    void shouldReadTheEngineAtEachScrape() {
        assertEquals(3.0, samples().get("kvstore_keys"));
        stats.set(new Engine.Stats(5, 200, 0, 0, 8192, 9, 2));
        Map<String, Double> samples = samples();
        assertEquals(5.0, samples.get("kvstore_keys"));
        assertEquals(200.0, samples.get("kvstore_value_bytes"));
        assertEquals(8192.0, samples.get("kvstore_wal_size_bytes"));
        assertEquals(9.0, samples.get("kvstore_wal_fsyncs_total"));
        assertEquals(2.0, samples.get("kvstore_compactions_total"));
    }

    @Test
    void shouldRecordLogConnectionsExpiryAndReplayInBaseUnits() {
        metrics.walAppended(20_000);
        metrics.walFsynced(2_000_000, 3);
        metrics.compacted(1_500_000_000L);
        metrics.connectionOpened();
        metrics.connectionOpened();
        metrics.connectionClosed();
        metrics.expired(4);
        metrics.replayed(1000, 1250);
        Map<String, Double> samples = samples();
        assertEquals(2e-5, samples.get("kvstore_wal_append_duration_seconds_sum"), 1e-12);
        assertEquals(0.002, samples.get("kvstore_wal_fsync_duration_seconds_sum"), 1e-12);
        assertEquals(3.0, samples.get("kvstore_wal_writes_per_fsync_sum"));
        assertEquals(1.0, samples.get("kvstore_wal_writes_per_fsync_bucket{le=\"4.0\"}"));
        assertEquals(1.5, samples.get("kvstore_compaction_duration_seconds_sum"), 1e-12);
        assertEquals(1.0, samples.get("kvstore_http_open_connections"));
        assertEquals(4.0, samples.get("kvstore_expired_keys_total"));
        assertEquals(1000.0, samples.get("kvstore_replay_records"));
        assertEquals(1.25, samples.get("kvstore_replay_duration_seconds"));
    }

    @Test
    void shouldIncludeTheJvmMetrics() {
        Map<String, Double> samples = samples();
        assertTrue(samples.keySet().stream().anyMatch(s -> s.startsWith("jvm_memory_used_bytes{")), samples.keySet().toString());
        assertTrue(samples.keySet().stream().anyMatch(s -> s.startsWith("jvm_threads_current")));
        assertTrue(samples.keySet().stream().anyMatch(s -> s.startsWith("jvm_gc_collection_seconds")));
    }

    @Test
    void shouldAnswerOpenMetricsToAScraperThatAsksForIt() {
        MetricsScrape.Response response = scrape.scrape("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertTrue(response.contentType().startsWith("application/openmetrics-text"), response.contentType());
        assertTrue(new String(response.body(), StandardCharsets.UTF_8).endsWith("# EOF\n"));
        assertTrue(scrape.scrape(null).contentType().startsWith("text/plain; version=0.0.4"), scrape.scrape(null).contentType());
    }
}
