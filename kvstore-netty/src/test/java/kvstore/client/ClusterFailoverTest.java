package kvstore.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One client over every member of a real three-member cluster goes on when the member it uses goes away: its
 * writes go to the others, and its watch resumes on another member without losing or repeating a change.
 */
class ClusterFailoverTest {
    @TempDir
    Path dir;

    @Test
    void shouldGoOnThroughTheOtherMembersWhenTheLeaderStops() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(dir, 3)) {
            int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            List<String> urls = new ArrayList<>(cluster.urls());
            urls.add(0, urls.remove(leader)); // the leader first: the client uses it until it goes
            try (KvClient client = KvClient.builder().endpoints(urls.toArray(String[]::new))
                    .watchReconnect(Duration.ofMillis(20), Duration.ofMillis(500), Duration.ofSeconds(30)).build()) {
                RecordingListener listener = new RecordingListener();
                List<String> written = new ArrayList<>();
                try (Watch watch = client.watch("", 0, listener)) {
                    for (int i = 0; i < 20; i++) {
                        client.put("before/" + i, KvClient.parseJson(String.valueOf(i)));
                        written.add("before/" + i);
                    }
                    listener.awaitEvents(20);
                    cluster.stop(leader);
                    for (int i = 0; i < 20; i++) {
                        client.put("after/" + i, KvClient.parseJson(String.valueOf(i)));
                        written.add("after/" + i);
                    }
                    listener.awaitEvents(40);
                    assertEquals(written, listener.events.stream().map(ClusterFailoverTest::keyOf).toList(),
                            "every acknowledged write once, in order, across the failover");
                    assertTrue(increasing(listener.events), listener.events.toString());
                    assertTrue(watch.isOpen());
                }
                assertEquals(20, client.listKeys("before/").items().size(), "every acknowledged write is there");
                assertEquals(20, client.keys("after/").stream().count());
                assertEquals("19", client.get("after/19").valueJson());
                assertNotEquals(cluster.id(leader), client.admin().clusterStatus().nodeId(),
                        "answered by a member that is still up");
            }
        }
    }

    /** "put before/3@4=3" to "before/3". */
    private static String keyOf(String seen) {
        return seen.substring("put ".length(), seen.indexOf('@'));
    }

    private static boolean increasing(List<String> seen) {
        long last = 0;
        for (String s : seen) {
            long revision = Long.parseLong(s.substring(s.indexOf('@') + 1, s.indexOf('=')));
            if (revision <= last) {
                return false;
            }
            last = revision;
        }
        return true;
    }
}
