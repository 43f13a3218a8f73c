package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import kvstore.netty.metrics.KvMetrics;
import kvstore.netty.metrics.RequestSeries;

import java.io.IOException;

/**
 * The HTTP layer's side of the metrics: the series each request records into when it is answered (resolved
 * once per route and method, labelled with the route's {@link Route#label}), and {@code GET /metrics}.
 *
 * <p>Threading: shared by every event loop. The series table is filled without a lock: two loops that race
 * for an empty slot each make a {@link RequestSeries} over the same data points, and either is fine to keep.
 */
final class RequestMetrics {
    /** The methods with a label of their own; any other is counted as {@link #OTHER}. */
    static final HttpMethod[] METHODS = {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT,
        HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE, HttpMethod.CONNECT};
    /** The method label of a method not in {@link #METHODS}. */
    static final String OTHER = "other";
    private static final Route[] ROUTES = Route.values();
    private static final AsciiString CONTENT_TYPE = AsciiString.cached(KvMetrics.CONTENT_TYPE);
    /** Room for a typical scrape, so the body is seldom copied as it grows. */
    private static final int SCRAPE_SIZE_HINT = 64 * 1024;

    private final KvMetrics metrics;
    private final RequestSeries[] series = new RequestSeries[ROUTES.length * (METHODS.length + 1)];

    RequestMetrics(KvMetrics metrics) {
        this.metrics = metrics;
    }

    /** Now, as the arrival time {@link RequestSeries#record} takes. */
    long now() {
        return metrics.http().now();
    }

    /** The series of requests to {@code route} with {@code method}. */
    RequestSeries of(Route route, HttpMethod method) {
        int m = methodIndex(method);
        int slot = route.ordinal() * (METHODS.length + 1) + m;
        RequestSeries s = series[slot];
        if (s == null) {
            s = metrics.http().series(route.label, m < METHODS.length ? METHODS[m].name() : OTHER);
            series[slot] = s;
        }
        return s;
    }

    /** Counts open connections; add it to every connection's pipeline. */
    ChannelHandler connections() {
        return metrics.http().connections();
    }

    /** {@code GET /metrics}: every metric in the Prometheus text format, written on the event loop. */
    void serve(Exchange ex) {
        ByteBuf body = ex.alloc().buffer(SCRAPE_SIZE_HINT);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            metrics.writeTo(out);
        } catch (IOException | RuntimeException e) {
            body.release();
            ex.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot write the metrics: " + e.getMessage());
            return;
        }
        ex.send(HttpResponseStatus.OK, CONTENT_TYPE, body, null);
    }

    private static int methodIndex(HttpMethod method) {
        for (int i = 0; i < METHODS.length; i++) {
            if (METHODS[i] == method) {
                return i;
            }
        }
        return METHODS.length;
    }
}
