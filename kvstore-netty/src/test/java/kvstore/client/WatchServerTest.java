package kvstore.client;

import kvstore.core.watch.WatchHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Watches against the real server: every change once and in order, across a restart, and 410 as its own event. */
class WatchServerTest {
    @TempDir
    Path dir;
    private InProcessServer server;
    private KvClient client;

    private KvClient clientOf(String... urls) {
        return KvClient.builder().endpoints(urls)
                .watchReconnect(Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldDeliverPutsDeletesAndBatchesOfThePrefixInOrder() throws Exception {
        server = InProcessServer.start(dir.resolve("data"));
        client = clientOf(server.url());
        client.put("other", KvClient.parseJson("0"));
        RecordingListener listener = new RecordingListener();
        try (Watch watch = client.watch("w/", 1, listener)) {
            client.putJson("w/a", "{\"n\":1e400}");
            client.put("outside", KvClient.parseJson("1"));
            client.batch(new Batch().setJson("w/b", "[]").delete("w/a").set("w/c", KvClient.parseJson("true")));
            client.delete("w/b");
            listener.awaitEvents(5);
            assertEquals(List.of("put w/a@2={\"n\":1e400}", "put w/b@4=[]", "delete w/a@4", "put w/c@4=true",
                    "delete w/b@5"), listener.events);
            assertTrue(watch.isOpen());
        }
    }

    @Test
    void shouldResumeAcrossARestartWithoutLosingOrRepeatingAChange() throws Exception {
        server = InProcessServer.start(dir.resolve("data"));
        client = clientOf(server.url());
        RecordingListener listener = new RecordingListener();
        List<String> expected = new ArrayList<>();
        try (Watch watch = client.watch("r/", 0, listener)) { // from now: the client asks the server's revision
            for (int i = 0; i < 5; i++) {
                long revision = client.put("r/" + i, KvClient.parseJson(String.valueOf(i))).revision();
                expected.add("put r/" + i + "@" + revision + "=" + i);
            }
            listener.awaitEvents(5);
            server.restart();
            for (int i = 5; i < 10; i++) {
                long revision = client.put("r/" + i, KvClient.parseJson(String.valueOf(i))).revision();
                expected.add("put r/" + i + "@" + revision + "=" + i);
            }
            listener.awaitEvents(10);
            assertEquals(expected, listener.events);
            assertFalse(listener.reconnects.isEmpty(), "the restart cut the stream");
        }
    }

    @Test
    void shouldEndWithCompactedWhenTheHistoryNoLongerReachesBack() throws Exception {
        server = InProcessServer.start(dir.resolve("data"), new WatchHub.Settings(10, 1 << 20, 10_000));
        client = clientOf(server.url());
        for (int i = 0; i < 30; i++) {
            client.put("h/" + i, KvClient.parseJson(String.valueOf(i)));
        }
        RecordingListener listener = new RecordingListener();
        Watch watch = client.watch("h/", 1, listener);
        assertTrue(watch.awaitEnd(Duration.ofSeconds(30)));
        assertEquals(1, listener.seen.size(), listener.seen.toString());
        assertTrue(listener.seen.get(0).startsWith("compacted "), listener.seen.toString());
        assertTrue(Long.parseLong(listener.seen.get(0).substring("compacted ".length())) > 1);
    }
}
