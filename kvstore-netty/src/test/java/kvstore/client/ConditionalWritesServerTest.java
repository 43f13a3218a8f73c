package kvstore.client;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Revisions, conditional writes, update and list-then-watch against the real server. */
class ConditionalWritesServerTest {
    @RegisterExtension
    final OneServer one = new OneServer(builder -> builder.pageSize(3));
    private KvClient client;

    @BeforeEach
    void client() {
        client = one.client();
    }

    @Test
    void shouldCarryRevisionsThroughReadsAndWrites() {
        PutResult created = client.put("r", KvClient.parseJson("1"), Duration.ofSeconds(60));
        PutResult replaced = client.put("r", KvClient.parseJson("2"), Duration.ofSeconds(60));
        KeyValue read = client.get("r");
        assertEquals(replaced.revision(), created.revision() + 1);
        assertEquals(created.revision(), read.createRevision());
        assertEquals(replaced.revision(), read.modRevision());
        assertEquals(2, read.version());
        assertTrue(read.ttl().orElseThrow().compareTo(Duration.ofSeconds(60)) <= 0);
        assertEquals(replaced.revision() + 1, client.delete("r").revision());
    }

    @Test
    void shouldWriteOnlyWhenTheConditionHolds() {
        PutResult lock = client.putIfAbsent("lock", KvClient.parseJson("\"a\""), Duration.ofSeconds(30));
        PreconditionFailedException held = assertThrows(PreconditionFailedException.class,
                () -> client.putIfAbsent("lock", KvClient.parseJson("\"b\"")));
        assertEquals(lock.revision(), held.modRevision());
        assertEquals("lock", held.key());
        assertEquals(412, held.status());
        assertThrows(PreconditionFailedException.class,
                () -> client.putIfRevision("lock", KvClient.parseJson("\"b\""), lock.revision() - 1));
        PutResult renewed = client.putIfRevision("lock", KvClient.parseJson("\"a\""), lock.revision(), Duration.ofSeconds(30));
        assertThrows(PreconditionFailedException.class, () -> client.deleteIfRevision("lock", lock.revision()));
        client.deleteIfRevision("lock", renewed.revision());
        assertTrue(client.find("lock").isEmpty());
        assertEquals(0, assertThrows(PreconditionFailedException.class,
                () -> client.deleteIfRevision("lock", renewed.revision())).modRevision(), "0: absent");
    }

    @Test
    void shouldApplyABatchOnlyWhenEveryCheckHolds() {
        long revision = client.put("c", KvClient.parseJson("{\"v\":1.0}")).revision();
        PreconditionFailedException failed = assertThrows(PreconditionFailedException.class, () -> client.batch(
                new Batch().checkRevision("c", revision).set("d", KvClient.parseJson("1")).checkExists("e", true)));
        assertEquals(2, failed.index());
        assertEquals("e", failed.key());
        assertTrue(client.find("d").isEmpty(), "nothing of the batch applied");
        BatchResult applied = client.batch(new Batch().checkValue("c", KvClient.parseJson("{\"v\":1}"))
                .checkRevision("d", 0).set("d", KvClient.parseJson("2")));
        assertEquals(revision + 1, applied.revision());
        assertEquals("2", client.get("d").valueJson());
    }

    @Test
    void shouldCountEveryIncrementOfEightContendingUpdaters() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        Set<Long> revisions = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        PutResult result = client.update("counter", v ->
                                KvClient.parseJson(String.valueOf(v == null ? 1 : v.asLong() + 1)));
                        assertTrue(revisions.add(result.revision()), "each increment its own revision");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }
        KeyValue counter = client.get("counter");
        assertEquals("400", counter.valueJson());
        assertEquals(400, counter.version());
    }

    @Test
    void shouldMissNothingBetweenAListingAndAWatchFromItsRevision() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            for (int i = 0; writing.get(); i++) {
                if (i % 7 == 3) {
                    client.find("lw/" + (i % 20)).ifPresent(kv -> client.delete(kv.key()));
                } else {
                    client.put("lw/" + (i % 20), KvClient.parseJson(String.valueOf(i)));
                }
            }
        });
        writer.start();
        Map<String, String> mirror = new TreeMap<>();
        Map<String, Long> modRevisions = new ConcurrentHashMap<>();
        Listing<KeyValue> listing = client.entries("lw/");
        for (KeyValue kv : listing) {
            mirror.put(kv.key(), kv.valueJson());
            modRevisions.put(kv.key(), kv.modRevision());
        }
        RecordingListener events = new RecordingListener() {
            @Override
            public void onEvent(WatchEvent event) {
                synchronized (mirror) {
                    if (event.revision() > modRevisions.getOrDefault(event.key(), 0L)) {
                        modRevisions.put(event.key(), event.revision());
                        if (event.type() == WatchEvent.Type.PUT) {
                            mirror.put(event.key(), event.keyValue().valueJson());
                        } else {
                            mirror.remove(event.key());
                        }
                    }
                }
                super.onEvent(event);
            }
        };
        try (Watch watch = client.watch("lw/", listing.revision() + 1, events)) {
            events.awaitEvents(200);
            writing.set(false);
            writer.join();
            long last = client.listKeys("lw/").revision();
            events.await(() -> watch.revision() >= last || lastSeen(events) >= last, Duration.ofSeconds(20));
            Map<String, String> truth = new TreeMap<>();
            client.entries("lw/").forEach(kv -> truth.put(kv.key(), kv.valueJson()));
            synchronized (mirror) {
                assertEquals(truth, mirror);
            }
            assertFalse(truth.isEmpty());
        }
    }

    private static long lastSeen(RecordingListener events) {
        if (events.events.isEmpty()) {
            return 0;
        }
        String s = events.events.get(events.events.size() - 1);
        int at = s.indexOf('@');
        int end = s.indexOf('=', at) < 0 ? s.length() : s.indexOf('=', at);
        return Long.parseLong(s.substring(at + 1, end));
    }
}
