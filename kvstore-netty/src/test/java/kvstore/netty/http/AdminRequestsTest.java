package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.core.Backup;
import kvstore.core.WriteFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code POST /admin/compact} and {@code GET /backup} over an embedded pipeline and a fake engine. A backup's
 * streaming needs a real event loop (its reader thread wakes the writer): {@link HttpServerTest} has it.
 */
class AdminRequestsTest {
    @TempDir
    Path dir;

    private final FakeEngine engine = new FakeEngine();
    private final EmbeddedChannel channel = engine.channel();

    @AfterEach
    void noResponseLeft() {
        assertNull(channel.readOutbound(), "a response nobody expected");
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest request(HttpMethod method, String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER);
    }

    private String full() {
        FullHttpResponse response = channel.readOutbound();
        try {
            return response.status().code() + " " + JsonReplies.line(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void shouldAnswer202OnceTheCompactionStartedAnd409WhenOneRuns() {
        channel.writeInbound(request(HttpMethod.POST, "/admin/compact"), request(HttpMethod.POST, "/admin/compact"));
        assertNull(channel.readOutbound(), "answered before the engine said");

        engine.compactions.get(1).complete(false);
        channel.runPendingTasks();
        assertNull(channel.readOutbound(), "the second answer went out before the first");
        engine.compactions.get(0).complete(true);
        channel.runPendingTasks();

        assertEquals("202 {\"compaction\":\"started\"}", full());
        assertEquals("409 {\"error\":\"compaction already running\"}", full());
    }

    @Test
    void shouldAnswer503WhenTheEngineIsClosing() {
        channel.writeInbound(request(HttpMethod.POST, "/admin/compact"));
        engine.compactions.get(0).completeExceptionally(
                new WriteFailedException(WriteFailedException.Reason.SHUTTING_DOWN, "shutting down", null));
        channel.runPendingTasks();

        assertEquals("503 {\"error\":\"shutting down\"}", full());
    }

    @Test
    void shouldTakeOnlyPostOnCompact() {
        channel.writeInbound(request(HttpMethod.GET, "/admin/compact"));

        assertEquals("405 {\"error\":\"method GET is not allowed here (allowed: POST)\"}", full());
    }

    @Test
    void shouldDeleteTheBackupWhenTheConnectionIsGone() throws Exception {
        Path file = dir.resolve("wal.log.backup-2.ndjson");
        Files.writeString(file, "{\"op\":\"format\",\"version\":1}\n");
        channel.writeInbound(request(HttpMethod.GET, "/backup"));
        channel.close();

        engine.backups.get(0).complete(new Backup(file, Files.size(file)));
        channel.runPendingTasks();

        assertFalse(Files.exists(file));
    }
}
