package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.core.WriteFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ordering rules of one connection, with a fake engine whose writes complete when the test says so
 * and an embedded channel that runs the handed-over completions when the test calls {@code runPendingTasks}.
 */
class KvHandlerTest {
    private final FakeEngine engine = new FakeEngine();
    private final EmbeddedChannel channel = engine.channel();

    private record Reply(int status, String body, String allow, String connection, String revision, String etag) {
    }

    @AfterEach
    void noResponseLeft() {
        assertNull(channel.readOutbound(), "a response nobody expected");
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest request(HttpMethod method, String uri, String body) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    }

    private static FullHttpRequest get(String uri) {
        return request(HttpMethod.GET, uri, "");
    }

    private static FullHttpRequest put(String key, String body) {
        return request(HttpMethod.PUT, "/kv/" + key, body);
    }

    private static FullHttpRequest closing(FullHttpRequest request) {
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return request;
    }

    private void send(FullHttpRequest... requests) {
        channel.writeInbound((Object[]) requests);
    }

    /** Completes the {@code i}-th write and runs the task its completion handed to the event loop. */
    private void complete(int i) {
        engine.complete(i);
        channel.runPendingTasks();
    }

    private Reply reply() {
        FullHttpResponse response = channel.readOutbound();
        if (response == null) {
            return null;
        }
        try {
            return new Reply(response.status().code(), JsonReplies.line(response.content().toString(StandardCharsets.UTF_8)),
                    response.headers().get(HttpHeaderNames.ALLOW), response.headers().get(HttpHeaderNames.CONNECTION),
                    response.headers().get(Responses.REVISION_HEADER), response.headers().get(HttpHeaderNames.ETAG));
        } finally {
            response.release();
        }
    }

    private void expect(int status, String body) {
        expectReply(status, body);
    }

    private Reply expectReply(int status, String body) {
        Reply reply = reply();
        assertEquals(status + " " + body, reply == null ? "no response" : reply.status() + " " + reply.body());
        return reply;
    }

    private static FullHttpRequest withHeader(FullHttpRequest request, CharSequence name, String value) {
        request.headers().add(name, value);
        return request;
    }

    /** Sends {@code request} alone and completes the write it submits; its answer. */
    private void write(FullHttpRequest request) {
        send(request);
        complete(engine.submitted.size() - 1);
    }

    @Test
    void shouldSayTheRevisionEveryKvAnswerReflectsAndTagAKeyWithItsModRevision() {
        write(put("a", "{\"value\":1}"));
        assertEquals("1", reply().revision());
        write(put("b", "{\"value\":[2],\"ttl\":1.5}"));
        assertEquals("2", reply().revision());

        send(get("/kv/a"), get("/kv/b"), get("/kv/none"), get("/kv?prefix=a"));
        Reply a = expectReply(200, "{\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":1,\"version\":1}");
        assertEquals("\"1\"", a.etag());
        assertEquals("2", a.revision());
        expect(200, "{\"key\":\"b\",\"value\":[2],\"create_revision\":2,\"mod_revision\":2,\"version\":1,"
                + "\"ttl\":1.5}");
        Reply missing = expectReply(404, "{\"error\":\"key not found\"}");
        assertEquals("2", missing.revision());
        assertEquals("2", expectReply(200, "{\"keys\":[\"a\"],\"revision\":2}").revision());
    }

    @Test
    void shouldListValuesWithTheirFiguresAsTheyStoodAtOneRevisionInPages() {
        write(put("p1", "{\"value\":\"x\"}"));
        write(put("p2", "{\"value\":{\"n\":2},\"ttl\":10}"));
        write(put("p1", "{\"value\":\"y\"}"));
        for (int i = 0; i < 3; i++) {
            reply();
        }

        send(get("/kv?prefix=p&values=true&limit=1"), get("/kv?prefix=p&values=true&after=p1"),
                get("/kv?values=maybe"));

        expect(200, "{\"items\":[{\"key\":\"p1\",\"value\":\"y\",\"create_revision\":1,\"mod_revision\":3,"
                + "\"version\":2}],\"revision\":3,\"next\":\"p1\"}");
        expect(200, "{\"items\":[{\"key\":\"p2\",\"value\":{\"n\":2},\"create_revision\":2,\"mod_revision\":2,"
                + "\"version\":1,\"ttl\":10}],\"revision\":3}");
        expect(400, "{\"error\":\"values must be true or false\"}");
    }

    @Test
    void shouldWriteOnlyWhenTheConditionalHeadersHoldAndAnswer412WithTheCurrentModRevision() {
        write(put("k", "{\"value\":1}"));
        reply();

        write(withHeader(put("k", "{\"value\":2}"), HttpHeaderNames.IF_MATCH, "\"1\""));
        expect(200, "{\"success\":true,\"key\":\"k\",\"value\":2,\"created\":false,\"revision\":2}");
        write(withHeader(put("k", "{\"value\":3}"), HttpHeaderNames.IF_MATCH, "\"1\""));
        Reply stale = expectReply(412, "{\"error\":\"precondition failed\",\"key\":\"k\",\"mod_revision\":2}");
        assertEquals("2", stale.revision());
        write(withHeader(put("k", "{\"value\":3}"), HttpHeaderNames.IF_NONE_MATCH, "*"));
        expect(412, "{\"error\":\"precondition failed\",\"key\":\"k\",\"mod_revision\":2}");
        write(withHeader(put("new", "{\"value\":3}"), HttpHeaderNames.IF_NONE_MATCH, "*"));
        expect(200, "{\"success\":true,\"key\":\"new\",\"value\":3,\"created\":true,\"revision\":3}");
        write(withHeader(request(HttpMethod.DELETE, "/kv/none", ""), HttpHeaderNames.IF_MATCH, "*"));
        expect(412, "{\"error\":\"precondition failed\",\"key\":\"none\",\"mod_revision\":0}");
        write(withHeader(request(HttpMethod.DELETE, "/kv/k", ""), HttpHeaderNames.IF_MATCH, "\"0\""));
        expect(412, "{\"error\":\"precondition failed\",\"key\":\"k\",\"mod_revision\":2}");
        write(withHeader(request(HttpMethod.DELETE, "/kv/k", ""), HttpHeaderNames.IF_MATCH, "\"2\""));
        expect(200, "{\"success\":true,\"deleted\":true,\"key\":\"k\",\"revision\":4}");
        assertEquals(4, engine.revision());
    }

    @Test
    void shouldRefuseMalformedConditionsWith400AndSubmitNothing() {
        for (String bad : new String[] {"1", "\"1", "W/\"1\"", "\"1\", \"2\"", "\"-1\"", "\"\"", "**",
                "\"1234567890123456789\""}) {
            send(withHeader(put("k", "{\"value\":1}"), HttpHeaderNames.IF_MATCH, bad));
            expect(400, "{\"error\":\"If-Match must be * or one revision in double quotes, like \\\"42\\\"\"}");
        }
        send(withHeader(request(HttpMethod.DELETE, "/kv/k", ""), HttpHeaderNames.IF_NONE_MATCH, "\"3\""));
        expect(400, "{\"error\":\"If-None-Match must be *\"}");
        assertEquals(0, engine.submitted.size());
    }

    @Test
    void shouldApplyABatchOnlyWhenEveryCheckHoldsSeeingTheBatchsEarlierOperations() {
        write(put("k", "{\"value\":{\"a\":1.0}}"));
        reply();
        String ok = "{\"operations\":[{\"op\":\"check\",\"key\":\"k\",\"value\":{\"a\":1}},"
                + "{\"op\":\"set\",\"key\":\"k\",\"value\":2},{\"op\":\"check\",\"key\":\"k\",\"mod_revision\":2},"
                + "{\"op\":\"check\",\"key\":\"x\",\"exists\":false}]}";
        String refused = "{\"operations\":[{\"op\":\"set\",\"key\":\"other\",\"value\":1},"
                + "{\"op\":\"check\",\"key\":\"k\",\"mod_revision\":1}]}";

        write(request(HttpMethod.POST, "/kv/batch", ok));
        expect(200, "{\"success\":true,\"results\":[{\"success\":true,\"key\":\"k\"},{\"success\":true,\"key\":\"k\","
                + "\"created\":false},{\"success\":true,\"key\":\"k\"},{\"success\":true,\"key\":\"x\"}],\"revision\":2}");
        write(request(HttpMethod.POST, "/kv/batch", refused));
        Reply reply = expectReply(412, "{\"success\":false,\"error\":\"precondition failed\",\"index\":1,\"key\":\"k\","
                + "\"mod_revision\":2}");
        assertEquals("2", reply.revision());
        assertNull(engine.get("other".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldRefuseAMalformedCheckWith400NamingItsIndex() {
        send(request(HttpMethod.POST, "/kv/batch", "{\"operations\":[{\"op\":\"check\",\"key\":\"k\"}]}"),
                request(HttpMethod.POST, "/kv/batch", "{\"operations\":[{\"op\":\"get\",\"key\":\"k\"},"
                        + "{\"op\":\"check\",\"key\":\"k\",\"exists\":true,\"mod_revision\":1}]}"),
                request(HttpMethod.POST, "/kv/batch", "{\"operations\":[{\"op\":\"check\",\"key\":\"k\","
                        + "\"mod_revision\":-1}]}"),
                request(HttpMethod.POST, "/kv/batch", "{\"operations\":[{\"op\":\"check\",\"key\":\"k\","
                        + "\"exists\":\"yes\"}]}"));

        expect(400, "{\"error\":\"check needs exactly one of mod_revision, exists or value\",\"index\":0}");
        expect(400, "{\"error\":\"check needs exactly one of mod_revision, exists or value\",\"index\":1}");
        expect(400, "{\"error\":\"mod_revision must be a whole number of 0 or more\",\"index\":0}");
        expect(400, "{\"error\":\"exists must be true or false\",\"index\":0}");
        assertEquals(0, engine.submitted.size());
    }

    @Test
    void shouldHoldAPipelinedReadBehindAWriteUntilItCanSeeTheWrite() {
        send(put("a", "{\"value\":1}"), get("/kv/a"));
        assertEquals(1, engine.submitted.size());
        assertNull(channel.readOutbound());

        complete(0);
        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":true,\"revision\":1}");
        expect(200, "{\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":1,\"version\":1}");
    }

    @Test
    void shouldListAPageWithNextOnlyWhenMoreKeysFollow() {
        send(put("a1", "{\"value\":1}"), put("a2", "{\"value\":1}"), put("a3", "{\"value\":1}"));
        complete(0);
        complete(1);
        complete(2);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, reply().status());
        }

        send(get("/kv?prefix=a&limit=2"), get("/kv?prefix=a&limit=2&after=a2"), get("/kv?prefix=a"),
                get("/kv?limit=0"));
        expect(200, "{\"keys\":[\"a1\",\"a2\"],\"revision\":3,\"next\":\"a2\"}");
        expect(200, "{\"keys\":[\"a3\"],\"revision\":3}");
        expect(200, "{\"keys\":[\"a1\",\"a2\",\"a3\"],\"revision\":3}");
        expect(400, "{\"error\":\"limit must be a whole number from 1 to 10000\"}");
    }

    @Test
    void shouldSendConsecutiveWritesToTheEngineAtOnce() {
        send(put("a", "{\"value\":1}"), request(HttpMethod.DELETE, "/kv/b", ""),
                request(HttpMethod.POST, "/kv/batch", "{\"operations\":[{\"op\":\"get\",\"key\":\"a\"}]}"),
                get("/kv/a"));
        assertEquals(3, engine.submitted.size());

        complete(0);
        complete(1);
        complete(2);
        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":true,\"revision\":1}");
        expect(404, "{\"error\":\"key not found\"}");
        expect(200, "{\"success\":true,\"results\":[{\"key\":\"a\",\"value\":1,\"create_revision\":1,"
                + "\"mod_revision\":1,\"version\":1}],\"revision\":1}");
        expect(200, "{\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":1,\"version\":1}");
    }

    @Test
    void shouldHoldAWriteThatFollowsAWaitingRead() {
        send(put("a", "{\"value\":1}"), get("/kv/a"), put("a", "{\"value\":2}"));
        assertEquals(1, engine.submitted.size());

        complete(0);
        assertEquals(2, engine.submitted.size());
        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":true,\"revision\":1}");
        expect(200, "{\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":1,\"version\":1}");
        complete(1);
        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":2,\"created\":false,\"revision\":2}");
    }

    @Test
    void shouldSendResponsesInRequestOrderWhenWritesFinishOutOfOrder() {
        send(put("a", "{\"value\":1}"), put("b", "{\"value\":2}"), get("/health"));

        complete(1);
        assertNull(channel.readOutbound());
        complete(0);
        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":true,\"revision\":2}");
        expect(200, "{\"success\":true,\"key\":\"b\",\"value\":2,\"created\":true,\"revision\":1}");
        expect(200, "{\"status\":\"ok\"}");
    }

    @Test
    void shouldNotRunRequestsPipelinedAfterConnectionClose() {
        send(put("a", "{\"value\":1}"), closing(get("/kv/a")), put("b", "{\"value\":2}"), get("/kv/a"));
        complete(0);

        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":true,\"revision\":1}");
        Reply last = reply();
        assertEquals(200, last.status());
        assertEquals("close", last.connection());
        assertEquals(1, engine.submitted.size());
        assertFalse(channel.isOpen());
    }

    @ParameterizedTest
    @EnumSource(WriteFailedException.Reason.class)
    void shouldAnswerAFailedWriteWithItsStatusAndLetTheWaitingReadsGoOn(WriteFailedException.Reason reason) {
        send(put("a", "{\"value\":1}"), get("/kv/a"), get("/health"));

        engine.fail(0, reason);
        channel.runPendingTasks();
        int status = switch (reason) {
            case SHUTTING_DOWN, NO_QUORUM, OUTCOME_UNKNOWN -> 503;
            case NOT_STORED, LOG_FAILED, MEMORY_LIMIT -> 507;
            case TOO_LARGE -> 413;
        };
        expect(status, "{\"error\":\"refused: " + reason + "\"}");
        expect(404, "{\"error\":\"key not found\"}");
        expect(200, "{\"status\":\"ok\"}");
    }

    @Test
    void shouldAnswerABadBodyWith400AndSubmitNothing() {
        send(put("a", "{\"nope\":1}"),
                request(HttpMethod.POST, "/kv/batch", "{\"operations\":[{\"op\":\"delete\",\"key\":\"a\"},{\"op\":\"x\"}]}"),
                get("/health"));

        assertEquals(0, engine.submitted.size());
        expect(400, "{\"error\":\"body has no \\\"value\\\" member\"}");
        expect(400, "{\"error\":\"unknown op (expected set, get, delete or check)\",\"index\":1}");
        expect(200, "{\"status\":\"ok\"}");
    }

    @Test
    void shouldAnswer405WithTheAllowHeaderOfTheRoute() {
        send(request(HttpMethod.POST, "/kv/a", "{}"), request(HttpMethod.PUT, "/stats", ""));

        Reply item = reply();
        assertEquals(405, item.status());
        assertEquals(Route.ITEM.allow, item.allow());
        assertEquals("{\"error\":\"method POST is not allowed here (allowed: GET, PUT, DELETE)\"}", item.body());
        Reply stats = reply();
        assertEquals(405, stats.status());
        assertEquals(Route.STATS.allow, stats.allow());
        assertEquals(0, engine.submitted.size());
    }

    @Test
    void shouldCountEveryServedOperationButNotBadOrEmptyRequests() {
        send(put("a", "{\"value\":1}"), request(HttpMethod.DELETE, "/kv/b", ""),
                request(HttpMethod.POST, "/kv/batch",
                        "{\"operations\":[{\"op\":\"get\",\"key\":\"a\"},{\"op\":\"set\",\"key\":\"c\",\"value\":3}]}"));
        complete(0);
        complete(1);
        complete(2);
        send(get("/kv/a"), get("/kv"), put("a", "{}"), request(HttpMethod.POST, "/kv/batch", "{\"operations\":[]}"),
                get("/stats"));

        for (int i = 0; i < 7; i++) {
            reply();
        }
        String stats = reply().body();
        assertTrue(stats.contains("\"total_operations\":6,"), stats);
    }

    /** Makes the channel unwritable, as a client that does not read its answers does, or writable again. */
    private void clientReads(boolean reads) {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(3, reads);
        channel.runPendingTasks();
    }

    private static String value(int bytes) {
        return "{\"value\":\"" + "x".repeat(bytes) + "\"}";
    }

    @Test
    void shouldStartNoRequestWhileTheClientDoesNotReadItsAnswersAndAnswerThemAllOnceItDoes() {
        clientReads(false);
        send(get("/health"), put("a", "{\"value\":1}"), get("/kv/a"));
        assertNull(channel.readOutbound());
        assertEquals(0, engine.submitted.size(), "the write waits too: its answer would be held");

        clientReads(true);
        expect(200, "{\"status\":\"ok\"}");
        complete(0);
        expect(200, "{\"success\":true,\"key\":\"a\",\"value\":1,\"created\":true,\"revision\":1}");
        expect(200, "{\"key\":\"a\",\"value\":1,\"create_revision\":1,\"mod_revision\":1,\"version\":1}");
    }

    @Test
    void shouldBuildOneLargeAnswerAtATimeForAClientThatDoesNotRead() {
        send(put("big", value(100_000)));
        complete(0);
        assertEquals(200, reply().status());
        // The first answer fills the write buffer before it is flushed, so the second waits for the flush.
        channel.config().setAutoRead(true);
        send(get("/kv/big"), get("/kv/big"));
        assertEquals(200, reply().status());
        assertEquals(200, reply().status());
        clientReads(false);
        send(get("/kv/big"), get("/health"));
        assertNull(channel.readOutbound(), "nothing is built while the client reads nothing");
        clientReads(true);
        assertEquals(200, reply().status());
        expect(200, "{\"status\":\"ok\"}");
    }

    @Test
    void shouldHoldBackAWriteOnceTheBodiesOfTheWritesInFlightReachTheirBound() {
        int third = RequestOrder.WRITE_BYTES_IN_FLIGHT / 3 + 1;
        send(put("a", value(third)), put("b", value(third)), put("c", value(third)), put("d", value(10)));
        assertEquals(3, engine.submitted.size(), "three thirds reach the bound: the fourth write waits");

        complete(0);
        assertEquals(4, engine.submitted.size());
        for (int i = 1; i < 4; i++) {
            complete(i);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(200, reply().status());
        }
    }

    @Test
    void shouldPauseReadingWhileTheBodiesOfWaitingRequestsAreOverTheirBound() {
        int half = RequestOrder.WAITING_BODY_BYTES / 2;
        send(put("a", "{\"value\":1}"), get("/kv/a"), put("b", value(half)));
        assertTrue(channel.config().isAutoRead());
        send(put("c", value(half)));
        assertFalse(channel.config().isAutoRead(), "the read and both large writes wait for the first write");

        complete(0);
        assertTrue(channel.config().isAutoRead());
        complete(1);
        complete(2);
        for (int i = 0; i < 4; i++) {
            assertEquals(200, reply().status());
        }
    }
}
