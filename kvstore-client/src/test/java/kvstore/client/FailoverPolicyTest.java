package kvstore.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a call goes on to the next endpoint, and when a write is never sent again (Transport's policy). */
class FailoverPolicyTest {
    private static final String VALUE = "{\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":2,\"version\":2}";
    private static final String STORED = "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":false,\"revision\":3}";

    /** A healthy server: GET answers the key, anything else a stored write. */
    private static StubServer healthy() throws java.io.IOException {
        return new StubServer((ex, r) -> StubServer.reply(ex, 200, r.method().equals("GET") ? VALUE : STORED));
    }

    private static KvClient client(String... urls) {
        return KvClient.builder().endpoints(urls).requestTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void shouldGoToTheNextEndpointWhenOneRefusesConnectionsAndPreferItAfterwards() throws Exception {
        try (StubServer up = healthy();
             KvClient client = client(StubServer.refusingUrl(), up.url())) {
            assertEquals(2, client.get("a").modRevision());
            assertEquals(3, client.put("a", KvClient.parseJson("1")).revision(), "a write that never left goes on too");
            assertEquals(2, up.requests.size());
        }
    }

    @Test
    void shouldSendAWriteToTheNextMemberWhenTheFirstSaysNoQuorum() throws Exception {
        try (StubServer minority = new StubServer((ex, r) -> StubServer.reply(ex, 503, "{\"error\":\"no quorum\"}"));
             StubServer majority = healthy();
             KvClient client = client(minority.url(), majority.url())) {
            assertEquals(3, client.put("a", KvClient.parseJson("1")).revision());
            assertEquals(1, minority.requests.size());
            assertEquals(1, majority.requests.size());
        }
    }

    @Test
    void shouldNeverResendAPutAfterA503OutcomeUnknown() throws Exception {
        try (StubServer unsure = new StubServer((ex, r) ->
                StubServer.reply(ex, 503, "{\"error\":\"outcome unknown: leader changed\"}"));
             StubServer other = healthy();
             KvClient client = client(unsure.url(), other.url())) {
            OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class,
                    () -> client.put("a", KvClient.parseJson("1")));
            assertEquals(503, e.status());
            assertEquals("outcome unknown: leader changed", e.serverError());
            assertEquals(0, other.requests.size(), "the write was not sent again");
            assertEquals(2, client.get("a").modRevision(), "a read goes round: the next endpoint answers");
            assertEquals(1, other.requests.size());
        }
    }

    @Test
    void shouldNeverResendAPutOrDeleteWhoseConnectionWasLostAfterSending() throws Exception {
        List<java.util.function.Consumer<KvClient>> writes = List.of(
                c -> c.put("a", KvClient.parseJson("1")), c -> c.delete("a"), c -> c.batch(new Batch().delete("a")));
        try (StubServer.Dropping lost = new StubServer.Dropping(); StubServer other = healthy()) {
            for (var write : writes) {
                try (KvClient client = client(lost.url(), other.url())) {
                    assertThrows(OutcomeUnknownException.class, () -> write.accept(client));
                }
            }
            assertEquals(0, other.requests.size());
            assertEquals(List.of("PUT /kv/a HTTP/1.1", "DELETE /kv/a HTTP/1.1", "POST /kv/batch HTTP/1.1"), lost.requests);
        }
    }

    @Test
    void shouldResendAConditionalWriteAndTakeItsSuccess() throws Exception {
        try (StubServer.Dropping lost = new StubServer.Dropping();
             StubServer other = healthy();
             KvClient client = client(lost.url(), other.url())) {
            assertEquals(3, client.putIfRevision("a", KvClient.parseJson("1"), 2).revision());
            assertEquals("\"2\"", other.requests.get(0).header("If-Match"));
        }
    }

    @Test
    void shouldReportA412AfterALostConditionalWriteAsUnknown() throws Exception {
        try (StubServer.Dropping lost = new StubServer.Dropping();
             StubServer other = new StubServer((ex, r) -> StubServer.reply(ex, 412,
                     "{\"error\":\"precondition failed\",\"key\":\"a\",\"mod_revision\":3}"));
             KvClient client = client(lost.url(), other.url())) {
            OutcomeUnknownException e = assertThrows(OutcomeUnknownException.class,
                    () -> client.putIfAbsent("a", KvClient.parseJson("1")));
            assertEquals(412, e.status());
            assertTrue(e.getCause() instanceof PreconditionFailedException);
            assertEquals("*", other.requests.get(0).header("If-None-Match"));
        }
    }

    @Test
    void shouldFailAsUnavailableWithTheServersWordsWhenEveryEndpointAnswers503() throws Exception {
        try (StubServer a = new StubServer((ex, r) -> StubServer.reply(ex, 503, "{\"error\":\"no quorum\"}"));
             StubServer b = new StubServer((ex, r) -> StubServer.reply(ex, 503, "{\"error\":\"no quorum\"}"));
             KvClient client = client(a.url(), b.url())) {
            UnavailableException e = assertThrows(UnavailableException.class, () -> client.get("a"));
            assertEquals("no quorum", e.serverError());
            assertTrue(e.getMessage().contains("GET /kv/a"), e.getMessage());
            assertEquals(1, a.requests.size(), "each endpoint once");
            assertEquals(1, b.requests.size(), "each endpoint once");
        }
    }

    @Test
    void shouldTimeOutAReadAsUnavailableAndAWriteAsUnknown() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        try (StubServer silent = new StubServer((ex, r) -> never.await(20, java.util.concurrent.TimeUnit.SECONDS));
             KvClient client = KvClient.builder().endpoints(silent.url()).requestTimeout(Duration.ofMillis(300)).build()) {
            UnavailableException read = assertThrows(UnavailableException.class, () -> client.get("a"));
            assertTrue(read.getMessage().contains("timed out"), read.getMessage());
            assertThrows(OutcomeUnknownException.class, () -> client.put("a", KvClient.parseJson("1")));
        } finally {
            never.countDown();
        }
    }

    @Test
    void shouldFailAsUnavailableWhenNothingListens() throws Exception {
        try (KvClient client = client(StubServer.refusingUrl(), StubServer.refusingUrl())) {
            UnavailableException e = assertThrows(UnavailableException.class, () -> client.put("a", KvClient.parseJson("1")));
            assertEquals(0, e.status());
            assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        }
    }
}
