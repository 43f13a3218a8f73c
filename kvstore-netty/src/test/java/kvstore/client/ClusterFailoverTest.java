package kvstore.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** One client over every member of a real three-member cluster goes on when the member it uses goes away. */
class ClusterFailoverTest {
    @TempDir
    Path dir;

    @Test
    void shouldGoOnThroughTheOtherMembersWhenTheLeaderStops() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(dir, 3)) {
            int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            List<String> urls = new ArrayList<>(cluster.urls());
            urls.add(0, urls.remove(leader)); // the leader first: the client uses it until it goes
            try (KvClient client = KvClient.builder().endpoints(urls.toArray(String[]::new)).build()) {
                for (int i = 0; i < 20; i++) {
                    client.put("before/" + i, KvClient.parseJson(String.valueOf(i)));
                }
                cluster.stop(leader);
                for (int i = 0; i < 20; i++) {
                    client.put("after/" + i, KvClient.parseJson(String.valueOf(i)));
                }
                assertEquals(20, client.listKeys("before/").items().size(), "every acknowledged write is there");
                assertEquals(20, client.keys("after/").stream().count());
                assertEquals("19", client.get("after/19").valueJson());
                assertNotEquals(cluster.id(leader), client.admin().clusterStatus().nodeId(),
                        "answered by a member that is still up");
            }
        }
    }
}
