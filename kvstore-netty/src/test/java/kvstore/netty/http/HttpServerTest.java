package kvstore.netty.http;

import kvstore.core.LocalEngine;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.metrics.KvMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline over a real socket: routing, JSON errors, and response order under pipelining. */
class HttpServerTest {
    private static final Pattern RESPONSE = Pattern.compile(
            "HTTP/1\\.[01] (\\d{3}) [^\\r]*\\r\\n((?:[^\\r]+\\r\\n)*)\\r\\n", Pattern.CASE_INSENSITIVE);

    @TempDir
    Path dir;
    private LocalEngine db;
    private HttpServer server;

    private record Response(int status, String headers, String body) {
    }

    @BeforeEach
    void start() throws Exception {
        db = LocalEngine.open(LocalEngine.Config.of(dir));
        server = HttpServer.start(db, null, new WatchHub(WatchHub.Settings.DEFAULTS, SseEvents.FORMAT, EpochClock.SYSTEM,
                NanoClock.SYSTEM), "always", HttpSettings.of("127.0.0.1", 0, 1024, 60), new KvMetrics(NanoClock.SYSTEM), e -> { });
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        db.close();
    }

    /** Sends {@code raw} at once (the last request should close the connection) and parses every response. */
    private List<Response> exchange(String raw) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return parse(all.toString(StandardCharsets.UTF_8));
        }
    }

    private static List<Response> parse(String text) {
        List<Response> responses = new ArrayList<>();
        int at = 0;
        Matcher m = RESPONSE.matcher(text);
        while (at < text.length() && m.find(at)) {
            Matcher length = Pattern.compile("content-length: (\\d+)", Pattern.CASE_INSENSITIVE).matcher(m.group(2));
            int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
            responses.add(new Response(Integer.parseInt(m.group(1)), m.group(2),
                    JsonReplies.line(text.substring(m.end(), m.end() + n))));
            at = m.end() + n;
        }
        return responses;
    }

    private static String put(String key, String body) {
        return "PUT /kv/" + key + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body;
    }

    private static String get(String path, boolean close) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
    }

    @Test
    void shouldAnswerPipelinedRequestsInRequestOrderWhileWritesWaitForTheLog() throws Exception {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            raw.append(put("p" + i, "{\"value\":" + i + "}")).append(get("/kv/p" + i, false)).append(get("/health", false));
        }
        raw.append(get("/kv?prefix=p1", true));
        List<Response> responses = exchange(raw.toString());
        assertEquals(61, responses.size());
        for (int i = 0; i < 20; i++) {
            int revision = i + 1;
            assertEquals("{\"success\":true,\"key\":\"p" + i + "\",\"value\":" + i + ",\"created\":true,\"revision\":"
                    + revision + "}", responses.get(3 * i).body());
            assertEquals("{\"key\":\"p" + i + "\",\"value\":" + i + ",\"create_revision\":" + revision
                    + ",\"mod_revision\":" + revision + ",\"version\":1}", responses.get(3 * i + 1).body());
            assertEquals("{\"status\":\"ok\"}", responses.get(3 * i + 2).body());
        }
        assertEquals("{\"keys\":[\"p1\",\"p10\",\"p11\",\"p12\",\"p13\",\"p14\",\"p15\",\"p16\",\"p17\",\"p18\",\"p19\"],"
                + "\"revision\":20}",
                responses.get(60).body());
    }

    @Test
    void shouldAnswerEveryErrorWithJson() throws Exception {
        List<Response> r = exchange(get("/nope", false)
                + "POST /stats HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
                + get("/kv/missing", false)
                + get("/kv/%ZZ", false)
                + put("x", "{\"value\": 1} trailing")
                + put("x", "{\"value\":\"" + "y".repeat(2000) + "\"}")
                + get("/stats", true));
        assertEquals(List.of(404, 405, 404, 400, 400, 413, 200), r.stream().map(Response::status).toList());
        for (Response response : r) {
            assertTrue(response.headers().toLowerCase().contains("content-type: application/json"), response.toString());
        }
        assertTrue(r.get(1).headers().toLowerCase().contains("allow: get"));
        assertEquals("{\"error\":\"key not found\"}", r.get(2).body());
        assertTrue(r.get(6).body().contains("\"keys\":0"), r.get(6).body());
    }

    @Test
    void shouldAnswerAMalformedRequestWith400() throws Exception {
        List<Response> r = exchange("THIS IS NOT HTTP\r\n\r\n");
        assertEquals(1, r.size());
        assertEquals(400, r.get(0).status());
        assertTrue(r.get(0).body().startsWith("{\"error\":"));
    }

    @Test
    void shouldCloseAnHttp10ConnectionAfterItsResponse() throws Exception {
        List<Response> r = exchange("GET /health HTTP/1.0\r\n\r\n");
        assertEquals(1, r.size());
        assertEquals(200, r.get(0).status());
    }

    @Test
    void shouldStreamABackupInChunksBetweenPipelinedResponsesAndDeleteItsFile() throws Exception {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ops.add(new Op.Set(("key-" + i).getBytes(StandardCharsets.UTF_8), "\"value\"".getBytes(StandardCharsets.UTF_8),
                    Entry.NEVER));
        }
        db.submit(ops, db.now()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        String text;
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((get("/health", false) + get("/backup", false) + get("/kv/key-7", true))
                    .getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            text = all.toString(StandardCharsets.UTF_8);
        }

        int head = text.indexOf("HTTP/1.1 200 OK", text.indexOf("{\"status\":\"ok\"}"));
        int bodyStart = text.indexOf("\r\n\r\n", head) + 4;
        String backupHead = text.substring(head, bodyStart).toLowerCase();
        assertTrue(backupHead.contains("content-type: application/x-ndjson"), backupHead);
        assertTrue(backupHead.contains("transfer-encoding: chunked"), backupHead);
        Chunked body = Chunked.read(text, bodyStart);
        String[] lines = body.body().split("\n");
        assertEquals(5_001, lines.length, "the version mark and one set per key");
        assertTrue(lines[0].startsWith("{\"op\":\"format\""), lines[0]);
        assertTrue(body.chunks() > 1, "streamed in chunks: " + body.chunks());
        assertTrue(text.substring(body.end()).matches("(?s).*\\{\"key\":\"key-7\",\"value\":\"value\",\"create_revision\":\\d+,"
                + "\"mod_revision\":\\d+,\"version\":1}\n"), "the next response follows");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backupFiles() > 0) {
            assertTrue(System.nanoTime() < deadline, "the backup's file is deleted once sent");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void shouldSendABackupToAnHttp10ClientWithoutChunkedCodingAndThenClose() throws Exception {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ops.add(new Op.Set(("key-" + i).getBytes(StandardCharsets.UTF_8), "\"value\"".getBytes(StandardCharsets.UTF_8),
                    Entry.NEVER));
        }
        db.submit(ops, db.now()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        // Asked to keep the connection open, the server still closes it: an HTTP/1.0 body ends with the connection.
        List<Response> r = exchange("GET /backup HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                + "GET /health HTTP/1.0\r\n\r\n");

        assertEquals(1, r.size(), "the connection closed after the backup, leaving the next request unanswered");
        assertEquals(200, r.get(0).status());
        String headers = r.get(0).headers().toLowerCase();
        assertFalse(headers.contains("transfer-encoding"), headers);
        assertTrue(headers.contains("connection: close"), headers);
        String[] lines = r.get(0).body().split("\n");
        assertEquals(5_001, lines.length, "the version mark and one set per key");
        assertTrue(lines[0].startsWith("{\"op\":\"format\""), lines[0]);
        assertTrue(lines[5_000].endsWith("}"), lines[5_000]);
    }

    /** A chunked body: its bytes, how many chunks brought them, and where the text after it starts. */
    private record Chunked(String body, int chunks, int end) {
        static Chunked read(String text, int at) {
            StringBuilder body = new StringBuilder();
            int chunks = 0;
            while (true) {
                int lineEnd = text.indexOf("\r\n", at);
                int size = Integer.parseInt(text.substring(at, lineEnd), 16);
                at = lineEnd + 2;
                if (size == 0) {
                    return new Chunked(body.toString(), chunks, at + 2);
                }
                body.append(text, at, at + size);
                at += size + 2;
                chunks++;
            }
        }
    }

    /** Sends {@code raw} at once (the last request should close the connection) and returns all it got back. */
    private String exchangeText(String raw) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldAnswerOptionsWith204AndTheMethodsOfThePath() throws Exception {
        // Netty's encoder edits a 204's headers: read-only ones made it fail, and the client got no answer at all.
        List<Response> r = exchange("OPTIONS /kv/a HTTP/1.1\r\nHost: localhost\r\n\r\n" + get("/health", true));
        assertEquals(List.of(204, 200), r.stream().map(Response::status).toList());
        assertTrue(r.get(0).headers().toLowerCase().contains("allow: get, put, delete"), r.get(0).headers());
        assertFalse(r.get(0).headers().toLowerCase().contains("content-length"), r.get(0).headers());
    }

    @Test
    void shouldStreamABatchAnswerOrAListingLargerThanABufferAndServeTheNextRequestAfterIt() throws Exception {
        String value = "\"" + "v".repeat(100_000) + "\"";
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ops.add(new Op.Set(("big-" + i).getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
                    Entry.NEVER));
        }
        long revision = db.submit(ops, db.now()).toCompletableFuture().get(10, TimeUnit.SECONDS).revision();
        String batch = "{\"operations\":[" + "{\"op\":\"get\",\"key\":\"big-3\"},".repeat(24)
                + "{\"op\":\"get\",\"key\":\"none\"}]}";

        String text = exchangeText("POST /kv/batch HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + batch.length()
                + "\r\n\r\n" + batch + get("/kv?prefix=big-&values=true", false) + get("/health", true));

        String item = "{\"key\":\"big-3\",\"value\":" + value + ",\"create_revision\":" + revision
                + ",\"mod_revision\":" + revision + ",\"version\":1}";
        int at = 0;
        for (String expected : List.of(
                "{\"success\":true,\"results\":[" + (item + ",").repeat(24) + "{\"key\":\"none\","
                        + "\"error\":\"key not found\"}],\"revision\":" + revision + "}\n",
                "{\"items\":[" + String.join(",", ops.stream().map(op -> new String(op.key(), StandardCharsets.UTF_8))
                        .sorted().map(k -> item.replace("big-3", k)).toList()) + "],\"revision\":" + revision + "}\n")) {
            int bodyStart = text.indexOf("\r\n\r\n", at) + 4;
            String head = text.substring(at, bodyStart).toLowerCase();
            assertTrue(head.startsWith("http/1.1 200 ok") && head.contains("transfer-encoding: chunked")
                    && head.contains("content-type: application/json")
                    && head.contains(Responses.REVISION_HEADER.toLowerCase() + ": " + revision), head);
            Chunked body = Chunked.read(text, bodyStart);
            assertEquals(expected, body.body());
            assertTrue(body.chunks() > 10, "in chunks: " + body.chunks());
            at = body.end();
        }
        assertTrue(text.substring(at).startsWith("HTTP/1.1 200 OK") && text.endsWith("{\"status\":\"ok\"}\n"),
                "the next response follows: " + text.substring(at));
    }

    private long backupFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().contains("backup")).count();
        }
    }
}
