package kvstore.netty.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The request metrics of one route and method, with the data points of each status resolved the first time
 * it is answered and kept in a table by status code, so recording a request costs no lookup by name and no
 * allocation.
 *
 * <p>Threading: any event loop may record. The table is filled without a lock: two loops that race for an
 * empty slot each resolve the same data points from the registry, and a {@link Status} (final fields) is safe
 * to read from a slot written by another thread.
 */
public final class RequestSeries {
    private static final int LOWEST_STATUS = 100;
    private static final int HIGHEST_STATUS = 599;

    /** The data points of one status. */
    record Status(CounterDataPoint requests, DistributionDataPoint seconds) {
    }

    private final HttpMetrics metrics;
    private final String route;
    private final String method;
    private final Status[] byStatus = new Status[HIGHEST_STATUS - LOWEST_STATUS + 1];

    RequestSeries(HttpMetrics metrics, String route, String method) {
        this.metrics = metrics;
        this.route = route;
        this.method = method;
    }

    /** Records one request answered with {@code status}, arrived at {@code arrivedNanos} ({@link HttpMetrics#now}). */
    public void record(int status, long arrivedNanos) {
        long nanos = metrics.elapsedSince(arrivedNanos);
        Status series = status(status);
        series.requests().inc();
        series.seconds().observe(Unit.nanosToSeconds(nanos));
    }

    private Status status(int status) {
        if (status < LOWEST_STATUS || status > HIGHEST_STATUS) {
            return metrics.resolve(route, method, status);
        }
        Status series = byStatus[status - LOWEST_STATUS];
        if (series == null) {
            series = metrics.resolve(route, method, status);
            byStatus[status - LOWEST_STATUS] = series;
        }
        return series;
    }
}
