package kvstore.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java example is the body of {@link #example}, between its markers, word for word (less the
 * indentation and with the URL the test's server has): it compiles here, and runs against the real server.
 */
class ReadmeExampleTest {
    private static final String START = "// README example start";
    private static final String END = "// README example end";

    @TempDir
    Path dir;

    static void example(String url, PrintStream out) throws InterruptedException {
        // README example start
        try (KvClient kv = KvClient.builder().endpoints(url).build()) {   // every member of a cluster, if several
            kv.put("config/greeting", KvClient.parseJson("{\"text\": \"hello\", \"n\": 1}"));
            KeyValue read = kv.get("config/greeting");
            out.println(read.value().get("text").asText() + " at revision " + read.modRevision());

            // read, change, write only if nobody wrote in between; on a conflict (412) read and try again
            kv.update("config/greeting", v -> ((ObjectNode) v).put("n", v.get("n").asInt() + 1));

            try {   // a lock: create only if absent, with a lease that ends unless renewed with putIfRevision
                kv.putIfAbsent("locks/job", KvClient.parseJson("\"worker-1\""), Duration.ofSeconds(30));
            } catch (PreconditionFailedException held) {
                out.println("locks/job is held, since revision " + held.modRevision());
            }

            Listing<KeyValue> config = kv.entries("config/");   // load a prefix, a page at a time...
            config.forEach(entry -> out.println(entry.key() + " = " + entry.valueJson()));
            CountDownLatch deleted = new CountDownLatch(1);      // ...then follow it, missing nothing
            try (Watch watch = kv.watch("config/", config.revision() + 1, new WatchListener() {
                @Override public void onEvent(WatchEvent event) {
                    out.println(event.type() + " " + event.key() + " at revision " + event.revision());
                    deleted.countDown();
                }
                @Override public void onCompacted(long oldest) { /* changes were missed: list again */ }
            })) {
                kv.delete("config/greeting");
                deleted.await();
            }
        }
        // README example end
    }

    @Test
    void shouldRunAgainstTheRealServer() throws Exception {
        try (InProcessServer server = InProcessServer.start(dir.resolve("data"))) {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            example(server.url(), new PrintStream(printed, true, StandardCharsets.UTF_8));
            assertEquals(List.of("hello at revision 1", "config/greeting = {\"text\":\"hello\",\"n\":2}",
                    "DELETE config/greeting at revision 4"), printed.toString(StandardCharsets.UTF_8).lines().toList());
            try (KvClient kv = KvClient.builder().endpoints(server.url()).build()) {
                assertEquals("\"worker-1\"", kv.get("locks/job").valueJson());
                assertTrue(kv.get("locks/job").ttl().isPresent());
            }
        }
    }

    @Test
    void shouldBeWhatTheReadmeShows() throws IOException {
        String source = Files.readString(Path.of("src/test/java/kvstore/client/ReadmeExampleTest.java"));
        String body = source.substring(source.indexOf(START + "\n") + START.length() + 1, source.indexOf(END + "\n"));
        String shown = unindent(body.substring(0, body.lastIndexOf('\n') + 1))
                .replace(".endpoints(url)", ".endpoints(\"http://127.0.0.1:8080\")").replace("out.println", "System.out.println");
        String readme = Files.readString(Path.of("../README.md"));
        String block = readme.substring(readme.indexOf("```java\n") + 8, readme.indexOf("```", readme.indexOf("```java\n") + 8));
        assertEquals(shown, block, "README.md's Java example differs from ReadmeExampleTest.example: copy it over");
    }

    private static String unindent(String text) {
        int indent = text.lines().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        StringBuilder out = new StringBuilder();
        text.lines().forEach(l -> out.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n'));
        return out.toString();
    }
}
