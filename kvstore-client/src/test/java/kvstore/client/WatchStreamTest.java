package kvstore.client;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A watch against scripted event streams: cuts the real server cannot be made to produce on demand (inside a
 * batch, a silent connection), and its answers to 410 and 401. Resumption against the real server is tested in
 * kvstore-netty's test tree.
 */
class WatchStreamTest {
    private static KvClient client(String url) {
        return KvClient.builder().endpoints(url)
                .watchReconnect(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(30)).build();
    }

    @Test
    void shouldResumeInsideABatchWithLastEventIdAndDeliverEachEventOnce() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (StubServer server = new StubServer((ex, r) -> {
                OutputStream out = StubServer.startEvents(ex);
                if (connections.incrementAndGet() == 1) {
                    StubServer.event(out, "put", 5, "{\"type\":\"put\",\"key\":\"a\",\"value\":1e400,\"revision\":5}");
                    StubServer.event(out, "put", 6, "{\"type\":\"put\",\"key\":\"a\",\"value\":2,\"revision\":6}");
                    StubServer.event(out, "delete", 6, "{\"type\":\"delete\",\"key\":\"b\",\"revision\":6}");
                    return; // the stream breaks off inside batch 6
                }
                StubServer.event(out, "put", 6, "{\"type\":\"put\",\"key\":\"a\",\"value\":2,\"revision\":6}");
                StubServer.event(out, "delete", 6, "{\"type\":\"delete\",\"key\":\"b\",\"revision\":6}");
                StubServer.event(out, "expire", 6, "{\"type\":\"expire\",\"key\":\"c\",\"revision\":6}");
                StubServer.event(out, "put", 7, "{\"type\":\"put\",\"key\":\"a\",\"value\":[],\"revision\":7}");
                new CountDownLatch(1).await(20, TimeUnit.SECONDS);
            });
             KvClient client = client(server.url())) {
            RecordingListener listener = new RecordingListener();
            try (Watch watch = client.watch("", 5, listener)) {
                listener.awaitSeen(5);
                assertEquals(List.of("put a@5=1e400", "put a@6=2", "delete b@6", "expire c@6", "put a@7=[]"), listener.seen);
                assertEquals("4", server.requests.get(0).header("Last-Event-ID"), "from 5");
                assertEquals("5", server.requests.get(1).header("Last-Event-ID"), "from 6, the batch cut short");
                assertEquals("/watch?prefix=", server.requests.get(0).rawPathAndQuery());
                assertEquals(6, watch.revision());
            }
        }
    }

    @Test
    void shouldStartFromTheCurrentRevisionAndResumeAfterAProgressEvent() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (StubServer server = new StubServer((ex, r) -> {
                if (r.rawPathAndQuery().startsWith("/kv?")) {
                    StubServer.reply(ex, 200, "{\"keys\":[\"x\"],\"next\":\"x\",\"revision\":41}");
                    return;
                }
                OutputStream out = StubServer.startEvents(ex);
                if (connections.incrementAndGet() == 1) {
                    out.write("id: 44\nevent: progress\ndata: {\"revision\": 44}\n\n".getBytes());
                    return;
                }
                new CountDownLatch(1).await(20, TimeUnit.SECONDS);
            });
             KvClient client = client(server.url())) {
            RecordingListener listener = new RecordingListener();
            try (Watch watch = client.watchKey("a/b", 0, listener)) {
                listener.await(() -> connections.get() == 2, Duration.ofSeconds(20));
                assertEquals("/kv?prefix=&limit=1", server.requests.get(0).rawPathAndQuery());
                assertEquals("/watch?key=a%2Fb", server.requests.get(1).rawPathAndQuery());
                assertEquals("41", server.requests.get(1).header("Last-Event-ID"));
                assertEquals("44", server.requests.get(2).header("Last-Event-ID"));
                assertEquals(List.of("progress 44"), listener.seen);
                assertEquals(44, watch.revision());
            }
        }
    }

    @Test
    void shouldResumeAfterTheServerCutsOffASlowWatcher() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (StubServer server = new StubServer((ex, r) -> {
                OutputStream out = StubServer.startEvents(ex);
                if (connections.incrementAndGet() == 1) {
                    StubServer.event(out, "put", 2, "{\"type\":\"put\",\"key\":\"a\",\"value\":1,\"revision\":2}");
                    out.write("event: error\ndata: {\"error\":\"watcher too slow\",\"revision\":2}\n\n".getBytes());
                    return;
                }
                StubServer.event(out, "put", 3, "{\"type\":\"put\",\"key\":\"b\",\"value\":2,\"revision\":3}");
                new CountDownLatch(1).await(20, TimeUnit.SECONDS);
            });
             KvClient client = client(server.url())) {
            RecordingListener listener = new RecordingListener();
            try (Watch watch = client.watch("", 2, listener)) {
                listener.awaitSeen(2);
                assertEquals(List.of("put a@2=1", "put b@3=2"), listener.seen);
                assertTrue(listener.reconnects.get(0).getMessage().contains("watcher too slow"));
                assertEquals("1", server.requests.get(1).header("Last-Event-ID"), "revision 2 may have had more changes");
            }
        }
    }

    @Test
    void shouldEndWithADistinctEventWhenTheHistoryIsCompacted() throws Exception {
        try (StubServer server = new StubServer((ex, r) ->
                StubServer.reply(ex, 410, "{\"error\":\"revision compacted\",\"compact_revision\":900}"));
             KvClient client = client(server.url())) {
            RecordingListener listener = new RecordingListener();
            Watch watch = client.watch("p/", 3, listener);
            assertTrue(watch.awaitEnd(Duration.ofSeconds(20)));
            assertEquals(List.of("compacted 900"), listener.seen);
            assertFalse(watch.isOpen());
            assertEquals(1, server.requests.size(), "no second attempt");
        }
    }

    @Test
    void shouldEndOnARefusalThatRetryingCannotMend() throws Exception {
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, 401, "{\"error\":\"unauthorized\"}"));
             KvClient client = client(server.url())) {
            RecordingListener listener = new RecordingListener();
            Watch watch = client.watch("p/", 3, listener);
            assertTrue(watch.awaitEnd(Duration.ofSeconds(20)));
            assertEquals(List.of("failed 401"), listener.seen);
        }
    }

    @Test
    void shouldReconnectToTheNextEndpointAfterRefusalsAnd503s() throws Exception {
        try (StubServer busy = new StubServer((ex, r) -> StubServer.reply(ex, 503, "{\"error\":\"no quorum\"}"));
             StubServer up = new StubServer((ex, r) -> {
                 OutputStream out = StubServer.startEvents(ex);
                 StubServer.event(out, "put", 3, "{\"type\":\"put\",\"key\":\"k\",\"value\":true,\"revision\":3}");
                 new CountDownLatch(1).await(20, TimeUnit.SECONDS);
             });
             KvClient client = KvClient.builder().endpoints(StubServer.refusingUrl(), busy.url(), up.url())
                     .watchReconnect(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(30)).build()) {
            RecordingListener listener = new RecordingListener();
            try (Watch watch = client.watch("", 3, listener)) {
                listener.awaitSeen(1);
                assertEquals(List.of("put k@3=true"), listener.seen);
                assertEquals(2, listener.reconnects.size(), listener.reconnects.toString());
            }
        }
    }

    @Test
    void shouldTakeASilentStreamForDeadAndConnectAgain() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (StubServer server = new StubServer((ex, r) -> {
                connections.incrementAndGet();
                StubServer.startEvents(ex).flush();
                new CountDownLatch(1).await(20, TimeUnit.SECONDS);
            });
             KvClient client = KvClient.builder().endpoints(server.url())
                     .watchReconnect(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(300)).build()) {
            RecordingListener listener = new RecordingListener();
            try (Watch watch = client.watch("", 1, listener)) {
                listener.await(() -> connections.get() >= 2, Duration.ofSeconds(20));
            }
        }
    }

    @Test
    void shouldCallNothingAfterClose() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        try (StubServer server = new StubServer((ex, r) -> {
                OutputStream out = StubServer.startEvents(ex);
                for (int rev = 1; rev < 100_000; rev++) {
                    StubServer.event(out, "put", rev, "{\"type\":\"put\",\"key\":\"k\",\"value\":1,\"revision\":" + rev + "}");
                    streaming.countDown();
                }
            });
             KvClient client = client(server.url())) {
            RecordingListener listener = new RecordingListener();
            Watch watch = client.watch("", 1, listener);
            assertTrue(streaming.await(20, TimeUnit.SECONDS));
            listener.awaitSeen(1);
            watch.close();
            int seen = listener.seen.size();
            assertFalse(watch.isOpen());
            assertEquals(seen, listener.seen.size());
        }
    }
}
