package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /ui/{file}}: the console's files as the handler sends them, through a connection's pipeline. */
class ConsoleFilesTest {
    private final EmbeddedChannel channel = new FakeEngine().channel();

    private record Reply(int status, String body, Map<String, String> headers) {
    }

    @AfterEach
    void nothingLeftOrLeaked() {
        assertNull(channel.readOutbound(), "a response nobody expected");
        assertFalse(channel.finishAndReleaseAll());
    }

    private Reply get(String uri, String ifNoneMatch) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER);
        if (ifNoneMatch != null) {
            request.headers().set(HttpHeaderNames.IF_NONE_MATCH, ifNoneMatch);
        }
        channel.writeInbound(request);
        FullHttpResponse response = channel.readOutbound();
        try {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            response.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
            return new Reply(response.status().code(), response.content().toString(StandardCharsets.UTF_8), headers);
        } finally {
            boolean empty = response.content().capacity() == 0; // the shared empty buffer counts no references
            assertTrue(response.release() || empty, "the response's buffer is freed once sent");
        }
    }

    @Test
    void shouldServeTheIndexAtTheDirectoryWithItsTypeValidatorAndPolicy() {
        Reply index = get("/ui/", null);
        assertEquals(200, index.status());
        assertTrue(index.body().startsWith("<!doctype html>"), index.body());
        assertEquals("text/html; charset=utf-8", index.headers().get("content-type"));
        assertEquals("no-cache", index.headers().get("cache-control"));
        assertEquals(ConsoleFiles.CONTENT_SECURITY_POLICY, index.headers().get("content-security-policy"));
        assertEquals("nosniff", index.headers().get("x-content-type-options"));
        assertEquals(String.valueOf(index.body().getBytes(StandardCharsets.UTF_8).length),
                index.headers().get("content-length"));
        assertEquals(index.headers().get("etag"), get("/ui/index.html", null).headers().get("etag"));
    }

    @Test
    void shouldAnswerNotModifiedWithoutABodyWhenTheBrowsersCopyIsCurrent() {
        String etag = get("/ui/app.js", null).headers().get("etag");
        Reply again = get("/ui/app.js", "\"other\", W/" + etag);
        assertEquals(304, again.status());
        assertEquals("", again.body());
        assertNull(again.headers().get("content-length"), "a 304 says nothing of a body it does not carry");
        assertEquals(etag, again.headers().get("etag"));
        assertEquals(200, get("/ui/app.js", "\"other\"").status());
    }

    @Test
    void shouldGiveEachKindOfFileItsType() {
        assertEquals("text/javascript; charset=utf-8", get("/ui/app.js", null).headers().get("content-type"));
        assertEquals("text/css; charset=utf-8", get("/ui/console.css", null).headers().get("content-type"));
        assertEquals("image/svg+xml", get("/ui/icon.svg", null).headers().get("content-type"));
    }

    @Test
    void shouldRedirectTheDirectoryWithoutItsSlashKeepingTheQuery() {
        Reply r = get("/ui?token-free=1", null);
        assertEquals(301, r.status());
        assertEquals("/ui/?token-free=1", r.headers().get("location"));
        assertEquals("{\"location\":\"/ui/?token-free=1\"}\n", r.body());
    }

    @Test
    void shouldFindNoFileOutsideTheConsolesOwn() {
        for (String uri : new String[] {"/ui/../openapi.json", "/ui/..%2Fopenapi.json", "/ui/%2e%2e/x", "/ui//etc/passwd",
                "/ui/./index.html", "/ui/kvstore/ui/index.html", "/ui/openapi.json", "/ui/nothing.js", "/ui/index.html/"}) {
            Reply r = get(uri, null);
            assertEquals(404, r.status(), uri);
            assertTrue(r.body().startsWith("{\"error\":\"the console has no file /ui/"), r.body());
        }
    }

    @Test
    void shouldMatchIfNoneMatchAsRfc9110Says() {
        assertTrue(ConsoleFiles.matches("\"a\"", "\"a\""));
        assertTrue(ConsoleFiles.matches("W/\"a\"", "\"a\""));
        assertTrue(ConsoleFiles.matches("\"b\" , \"a\"", "\"a\""));
        assertTrue(ConsoleFiles.matches("*", "\"a\""));
        assertFalse(ConsoleFiles.matches("\"b\"", "\"a\""));
        assertFalse(ConsoleFiles.matches("a", "\"a\""));
        assertFalse(ConsoleFiles.matches(null, "\"a\""));
    }

    @Test
    void shouldReadTheConsoleOfAJarByBareNames(@TempDir Path dir) throws Exception {
        Path jar = jar(dir, Map.of("kvstore/ui/index.html", "<!doctype html>", "kvstore/ui/app.js", "go()",
                "kvstore/other.txt", "not the console's"));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            ConsoleFiles console = ConsoleFiles.load(loader);
            assertEquals(List.of("app.js", "index.html"), console.names());
        }
    }

    @Test
    void shouldRefuseAJarWhoseConsoleHoldsADirectory(@TempDir Path dir) throws Exception {
        Path jar = jar(dir, Map.of("kvstore/ui/index.html", "<!doctype html>", "kvstore/ui/more/app.js", "go()"));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConsoleFiles.load(loader));
            assertTrue(e.getMessage().contains("no directories: more"), e.getMessage());
        }
    }

    /** A jar with the console's directory entry and these files, as the build makes it. */
    private static Path jar(Path dir, Map<String, String> files) throws IOException {
        Path jar = dir.resolve("console.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry(ConsoleFiles.RESOURCE_DIRECTORY));
            for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
                out.putNextEntry(new JarEntry(file.getKey()));
                out.write(file.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return jar;
    }
}
