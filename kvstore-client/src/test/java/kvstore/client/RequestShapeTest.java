package kvstore.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What goes on the wire: paths, headers, bodies (the contract's shapes), and pages fetched as iterated. */
class RequestShapeTest {
    @Test
    void shouldSendKeysAsOneEncodedSegmentWithTheTokenAndConditions() throws Exception {
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, 200, "{\"created\":true,\"revision\":4}"));
             KvClient client = KvClient.builder().endpoints(server.url()).token(" s3cret\n").build()) {
            client.put("a/b c+é", KvClient.parseJson("{\"n\": 1.50}"), Duration.ofMillis(1500));
            client.putJson("x", " 1e400 ");
            client.putIfAbsent("raw", KvClient.rawJson("[1e400, 0.10]"));
            client.putIfAbsent("lock", KvClient.parseJson("\"me\""), Duration.ofSeconds(10));
            client.putIfRevision("x", KvClient.parseJson("2"), 7);
            client.deleteIfRevision("x", 8);
            List<StubServer.Request> seen = server.requests;
            assertEquals("/kv/a%2Fb%20c%2B%C3%A9", seen.get(0).rawPathAndQuery());
            assertEquals("{\"value\":{\"n\":1.50},\"ttl\":1.5}", seen.get(0).body());
            assertEquals("Bearer s3cret", seen.get(0).header("Authorization"));
            assertEquals("application/json", seen.get(0).header("Content-Type"));
            assertEquals("{\"value\":1e400}", seen.get(1).body());
            assertEquals("{\"value\":[1e400, 0.10]}", seen.get(2).body(), "raw JSON goes out as written");
            assertEquals("*", seen.get(3).header("If-None-Match"));
            assertEquals("{\"value\":\"me\",\"ttl\":10}", seen.get(3).body());
            assertEquals("\"7\"", seen.get(4).header("If-Match"));
            assertEquals("DELETE", seen.get(5).method());
            assertEquals("\"8\"", seen.get(5).header("If-Match"));
        }
    }

    @Test
    void shouldSendTheClusterOperationsAsTheContractSpellsThem() throws Exception {
        String cluster = "{\"node_id\":\"n1\",\"role\":\"leader\",\"leader\":\"n1\",\"term\":3,\"commit_index\":9,"
                + "\"applied_index\":9,\"members\":[{\"id\":\"n1\",\"http\":\"h:1\",\"raft\":\"h:2\"},"
                + "{\"id\":\"n4\",\"http\":\"h:7\",\"raft\":\"h:8\"}]}";
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, 200, cluster));
             KvClient client = KvClient.builder().endpoints(server.url()).build()) {
            ClusterStatus added = client.admin().addMember("n4", "h:7", "h:8");
            client.admin().removeMember("n/2");
            client.admin().transferLeadership("n3");
            List<StubServer.Request> seen = server.requests;
            assertEquals("POST /cluster/members {\"id\":\"n4\",\"http\":\"h:7\",\"raft\":\"h:8\"}",
                    seen.get(0).method() + " " + seen.get(0).rawPathAndQuery() + " " + seen.get(0).body());
            assertEquals("DELETE /cluster/members/n%2F2", seen.get(1).method() + " " + seen.get(1).rawPathAndQuery());
            assertEquals("POST /cluster/leader {\"id\":\"n3\"}",
                    seen.get(2).method() + " " + seen.get(2).rawPathAndQuery() + " " + seen.get(2).body());
            assertEquals(List.of(new ClusterMember("n1", "h:1", "h:2"), new ClusterMember("n4", "h:7", "h:8")),
                    added.members());
            assertEquals("n1", added.leader().orElseThrow());
            assertEquals(3, added.term());
            assertEquals(9, added.appliedIndex());
        }
    }

    @Test
    void shouldRefuseAValueThatIsNotOneJsonValueBeforeSendingIt() throws Exception {
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, 200, "{}"));
             KvClient client = KvClient.builder().endpoints(server.url()).build()) {
            assertThrows(IllegalArgumentException.class, () -> client.putJson("k", "1, \"ttl\": 0"));
            assertThrows(IllegalArgumentException.class, () -> client.get(""));
            assertEquals(0, server.requests.size());
        }
    }

    @Test
    void shouldWriteABatchAsTheContractSpellsIt() throws Exception {
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, 200, "{\"success\":true,\"results\":["
                + "{\"success\":true,\"key\":\"a\"},{\"success\":true,\"key\":\"a\",\"created\":true},"
                + "{\"key\":\"a\",\"value\":[1],\"create_revision\":5,\"mod_revision\":5,\"version\":1},"
                + "{\"key\":\"z\",\"error\":\"key not found\"},"
                + "{\"success\":false,\"deleted\":false,\"key\":\"z\",\"error\":\"key not found\"}],\"revision\":5}"));
             KvClient client = KvClient.builder().endpoints(server.url()).build()) {
            BatchResult result = client.batch(new Batch().checkExists("a", false).setJson("a", "[1]", Duration.ofSeconds(2))
                    .get("a").get("z").delete("z").checkRevision("b", 0).checkValue("c", KvClient.parseJson("{\"x\":1}")));
            assertEquals("{\"operations\":[{\"op\":\"check\",\"key\":\"a\",\"exists\":false},"
                    + "{\"op\":\"set\",\"key\":\"a\",\"value\":[1],\"ttl\":2},{\"op\":\"get\",\"key\":\"a\"},"
                    + "{\"op\":\"get\",\"key\":\"z\"},{\"op\":\"delete\",\"key\":\"z\"},"
                    + "{\"op\":\"check\",\"key\":\"b\",\"mod_revision\":0},{\"op\":\"check\",\"key\":\"c\",\"value\":{\"x\":1}}]}",
                    server.requests.get(0).body());
            assertEquals(5, result.revision());
            assertEquals(true, result.get(1).created());
            assertEquals("[1]", result.get(2).keyValue().orElseThrow().valueJson());
            assertEquals(false, result.get(3).found());
            assertEquals(false, result.get(4).deleted());
        }
    }

    @Test
    void shouldFetchPagesOnlyAsTheListingIsIterated() throws Exception {
        try (StubServer server = new StubServer((ex, r) -> {
                String query = r.rawPathAndQuery();
                String page = query.contains("after=k%2F2") ? "{\"keys\":[\"k/3\"],\"revision\":12}"
                        : query.contains("after=") ? "{\"keys\":[\"k/2\"],\"next\":\"k/2\",\"revision\":11}"
                        : "{\"keys\":[\"k/0\",\"k/1\"],\"next\":\"k/1\",\"revision\":10}";
                StubServer.reply(ex, 200, page);
            });
             KvClient client = KvClient.builder().endpoints(server.url()).pageSize(2).build()) {
            Listing<String> keys = client.keys("k/");
            assertEquals(0, server.requests.size(), "nothing is fetched before the iteration starts");
            assertEquals(List.of("k/0"), keys.stream().limit(1).collect(Collectors.toList()));
            assertEquals(1, server.requests.size(), "one page was enough");
            List<String> all = new ArrayList<>();
            keys.forEach(all::add);
            assertEquals(List.of("k/0", "k/1", "k/2", "k/3"), all);
            assertEquals(10, keys.revision(), "the first page's revision");
            assertEquals("/kv?prefix=k%2F&limit=2", server.requests.get(1).rawPathAndQuery());
            assertEquals("/kv?prefix=k%2F&limit=2&after=k%2F1", server.requests.get(2).rawPathAndQuery());
        }
    }

    @Test
    void shouldRetryAnUpdateOnEvery412UntilItsWriteHolds() throws Exception {
        int[] puts = {0};
        try (StubServer server = new StubServer((ex, r) -> {
                if (r.method().equals("GET")) {
                    long rev = 10 + puts[0];
                    StubServer.reply(ex, 200, "{\"key\":\"n\",\"value\":" + rev + ",\"mod_revision\":" + rev + "}");
                } else if (++puts[0] < 3) {
                    StubServer.reply(ex, 412, "{\"error\":\"precondition failed\",\"key\":\"n\",\"mod_revision\":99}");
                } else {
                    StubServer.reply(ex, 200, "{\"created\":false,\"revision\":13}");
                }
            });
             KvClient client = KvClient.builder().endpoints(server.url()).build()) {
            PutResult result = client.update("n", v -> KvClient.parseJson(String.valueOf(v.asLong() + 1)));
            assertEquals(13, result.revision());
            List<StubServer.Request> writes = server.requests.stream().filter(r -> r.method().equals("PUT")).toList();
            assertEquals(List.of("\"10\"", "\"11\"", "\"12\""), writes.stream().map(r -> r.header("If-Match")).toList());
            assertEquals("{\"value\":13}", writes.get(2).body(), "the change applied to the value read last");
        }
    }

    @Test
    void shouldGiveUpAnUpdateAfterItsAttempts() throws Exception {
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, r.method().equals("GET") ? 404 : 412,
                r.method().equals("GET") ? "{\"error\":\"key not found\"}"
                        : "{\"error\":\"precondition failed\",\"key\":\"n\",\"mod_revision\":4}"));
             KvClient client = KvClient.builder().endpoints(server.url()).updateAttempts(3).build()) {
            assertEquals(4, assertThrows(PreconditionFailedException.class,
                    () -> client.update("n", v -> KvClient.parseJson("1"))).modRevision());
            assertEquals(3, server.requests.stream().filter(r -> r.header("If-None-Match") != null).count(),
                    "an absent key is created with If-None-Match, three times");
        }
    }
}
