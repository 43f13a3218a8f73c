package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.netty.metrics.KvMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /metrics} through the pipeline, and each response counted where it is sent. */
class MetricsRouteTest {
    private final FakeEngine engine = new FakeEngine();
    private final AtomicLong nanos = new AtomicLong();
    private final KvMetrics metrics = new KvMetrics(nanos::get);
    private final EmbeddedChannel channel = channel();

    private EmbeddedChannel channel() {
        RequestMetrics requests = new RequestMetrics(metrics);
        return new EmbeddedChannel(requests.connections(), new ResponseOrder(),
                new KvHandler(engine.endpoints(), requests));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void send(HttpMethod method, String uri, String body) {
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
    }

    private FullHttpResponse response() {
        FullHttpResponse response = channel.readOutbound();
        assertTrue(response != null, "no response");
        return response;
    }

    private int status() {
        FullHttpResponse response = response();
        try {
            return response.status().code();
        } finally {
            response.release();
        }
    }

    private String scrape() {
        send(HttpMethod.GET, "/metrics", "");
        FullHttpResponse response = response();
        try {
            assertEquals(200, response.status().code());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            return response.content().toString(StandardCharsets.UTF_8);
        } finally {
            response.release();
        }
    }

    @Test
    void shouldCountEachResponseByRouteMethodAndStatus() {
        send(HttpMethod.GET, "/kv/missing", "");
        assertEquals(404, status());
        send(HttpMethod.POST, "/stats", "");
        assertEquals(405, status());
        send(HttpMethod.valueOf("BREW"), "/nowhere", "");
        assertEquals(404, status());
        send(HttpMethod.valueOf("OPTIONS"), "/kv/a", "");
        assertEquals(204, status());

        String text = scrape();

        assertTrue(text.contains("kvstore_http_requests_total{method=\"GET\",route=\"item\",status=\"404\"} 1.0\n"), text);
        assertTrue(text.contains("kvstore_http_requests_total{method=\"POST\",route=\"stats\",status=\"405\"} 1.0\n"), text);
        assertTrue(text.contains("kvstore_http_requests_total{method=\"other\",route=\"not_found\",status=\"404\"} 1.0\n"),
                "an unknown method gets no label value of its own: " + text);
        assertTrue(text.contains("kvstore_http_requests_total{method=\"OPTIONS\",route=\"item\",status=\"204\"} 1.0\n"),
                "OPTIONS, as a client's request names it, has a label of its own: " + text);
        assertTrue(text.contains("kvstore_http_open_connections 1.0\n"), text);
    }

    @Test
    void shouldTimeAWriteFromItsArrivalToItsResponse() {
        send(HttpMethod.PUT, "/kv/a", "{\"value\":1}");
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(7));
        engine.complete(0);
        channel.runPendingTasks();
        assertEquals(200, status());

        String text = scrape();

        String put = "kvstore_http_request_duration_seconds_bucket{method=\"PUT\",route=\"item\",status=\"200\"";
        assertTrue(text.contains(put + ",le=\"0.005\"} 0\n"), text);
        assertTrue(text.contains(put + ",le=\"0.01\"} 1\n"), "waiting for the write counts: " + text);
    }
}
