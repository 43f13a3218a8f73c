package kvstore.netty.metrics;

import io.netty.channel.ChannelHandler;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import kvstore.core.time.NanoClock;

/**
 * The HTTP layer's metrics: requests by route, method and status with their latency, and open connections.
 * The HTTP layer resolves the series of a route and method once ({@link #series}) and records into it when it
 * sends a response, so recording looks nothing up by name.
 */
public final class HttpMetrics {
    /** From 50 µs (a read from memory) to 10 s. */
    private static final double[] SECONDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final NanoClock clock;
    private final Counter requests;
    private final Histogram seconds;
    private final ConnectionCountHandler connections;

    HttpMetrics(PrometheusRegistry registry, NanoClock clock) {
        this.clock = clock;
        requests = Counter.builder().name("kvstore_http_requests_total")
                .help("HTTP requests answered, by route, method and status.")
                .labelNames("route", "method", "status").withoutExemplars().register(registry);
        seconds = Histogram.builder().name("kvstore_http_request_duration_seconds").unit(Unit.SECONDS)
                .help("Time from reading a request to sending its response (a write's includes its fsync).")
                .labelNames("route", "method", "status").classicOnly().classicUpperBounds(SECONDS)
                .withoutExemplars().register(registry);
        connections = new ConnectionCountHandler(Gauge.builder().name("kvstore_http_open_connections")
                .help("HTTP connections open now.").withoutExemplars().register(registry));
    }

    /** Now, by the clock request durations are measured with: a request's arrival. */
    public long now() {
        return clock.nanos();
    }

    /** The requests of {@code route} with {@code method}: label values, as they appear in the metrics. */
    public RequestSeries series(String route, String method) {
        return new RequestSeries(this, route, method);
    }

    /** Counts the connections whose pipeline it is in; one handler shared by every connection. */
    public ChannelHandler connections() {
        return connections;
    }

    /** The data points of {@code route}, {@code method} and {@code status}, from the registry. */
    RequestSeries.Status resolve(String route, String method, int status) {
        String code = Integer.toString(status);
        return new RequestSeries.Status(requests.labelValues(route, method, code),
                seconds.labelValues(route, method, code));
    }

    /** Nanoseconds since {@code startNanos}, a reading of {@link #now}. */
    long elapsedSince(long startNanos) {
        return clock.nanos() - startNanos;
    }
}
