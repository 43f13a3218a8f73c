package kvstore.netty.metrics;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The requests of one route and method, by status: a caller keeps one per (route, method) so that timing a
 * request costs an array read and a histogram update, with no label lookup and no allocation.
 */
public final class RequestMetrics {
    private static final int STATUSES = 600;

    private final Histogram histogram;
    private final String route;
    private final String method;
    /** Filled on first use of each status, from any thread; a race only creates the same series twice. */
    private final AtomicReferenceArray<DistributionDataPoint> byStatus = new AtomicReferenceArray<>(STATUSES);

    RequestMetrics(Histogram histogram, String route, String method) {
        this.histogram = histogram;
        this.route = route;
        this.method = method;
    }

    /** Records one request answered with {@code status} that took {@code nanos} from its arrival. */
    public void observe(int status, long nanos) {
        series(status).observe(Durations.seconds(nanos));
    }

    private DistributionDataPoint series(int status) {
        if (status < 0 || status >= STATUSES) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        DistributionDataPoint point = byStatus.get(status);
        if (point == null) {
            point = histogram.labelValues(route, method, Integer.toString(status));
            byStatus.set(status, point);
        }
        return point;
    }
}
