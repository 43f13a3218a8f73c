package kvstore.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal becomes its typed exception carrying the server's own error text (Failures). */
class ErrorMappingTest {
    private static <T extends KvException> T refusal(Class<T> type, int status, String body) throws Exception {
        try (StubServer server = new StubServer((ex, r) -> StubServer.reply(ex, status, body));
             KvClient client = KvClient.builder().endpoints(server.url()).build()) {
            return assertThrows(type, () -> client.put("k", KvClient.parseJson("1")));
        }
    }

    @Test
    void shouldMapEachStatusToItsException() throws Exception {
        assertEquals("key not found", refusal(NotFoundException.class, 404, "{\"error\":\"key not found\"}").serverError());
        assertEquals("unauthorized", refusal(UnauthorizedException.class, 401, "{\"error\":\"unauthorized\"}").serverError());
        assertEquals(403, refusal(UnauthorizedException.class, 403, "{\"error\":\"host not allowed\"}").status());
        assertEquals("compaction already running",
                refusal(ConflictException.class, 409, "{\"error\":\"compaction already running\"}").serverError());
        KvException full = refusal(KvException.class, 507, "{\"error\":\"memory limit reached\"}");
        assertEquals(KvException.class, full.getClass());
        assertEquals(507, full.status());
        assertTrue(full.getMessage().startsWith("memory limit reached (507 from http://127.0.0.1:"), full.getMessage());
        assertTrue(full.getMessage().endsWith(", PUT /kv/k)"), full.getMessage());
    }

    @Test
    void shouldCarryTheDetailsOfA412AndA400() throws Exception {
        PreconditionFailedException failed = refusal(PreconditionFailedException.class, 412,
                "{\"success\":false,\"error\":\"precondition failed\",\"index\":2,\"key\":\"b\",\"mod_revision\":17}");
        assertEquals("b", failed.key());
        assertEquals(17, failed.modRevision());
        assertEquals(2, failed.index());
        assertEquals(-1, refusal(PreconditionFailedException.class, 412,
                "{\"error\":\"precondition failed\",\"key\":\"k\",\"mod_revision\":0}").index());
        assertEquals(1, refusal(BadRequestException.class, 400, "{\"error\":\"bad ttl\",\"index\":1}").index());
    }

    @Test
    void shouldSayWhatAnAnswerThatIsNotJsonSaid() throws Exception {
        KvException e = refusal(KvException.class, 502, "<html>Bad Gateway</html>");
        assertEquals(502, e.status());
        assertNull(e.serverError());
        assertTrue(e.getMessage().startsWith("<html>Bad Gateway</html>"), e.getMessage());
    }
}
