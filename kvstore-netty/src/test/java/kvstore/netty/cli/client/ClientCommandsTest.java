package kvstore.netty.cli.client;

import kvstore.client.InProcessServer;
import kvstore.core.watch.WatchHub;
import kvstore.netty.cli.CliRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client subcommands as the jar runs them (Main's command line), against the real server in this JVM. */
class ClientCommandsTest {
    @TempDir
    Path dir;
    private InProcessServer server;

    @BeforeEach
    void start() throws Exception {
        server = InProcessServer.start(dir.resolve("data"));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    /** Runs {@code kvstore <args> --url <server>}. */
    private CliRun run(String... args) {
        return runAt(server.url(), args);
    }

    private static CliRun runAt(String url, String... args) {
        String[] withUrl = new String[args.length + 2];
        System.arraycopy(args, 0, withUrl, 0, args.length);
        withUrl[args.length] = "--url";
        withUrl[args.length + 1] = url;
        return CliRun.of(withUrl);
    }

    private static void assertOneLine(CliRun run, int exit, String mentions) {
        assertEquals(exit, run.exit(), run.toString());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("kvstore: "), run.err());
        assertTrue(run.err().contains(mentions), run.err());
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.err());
    }

    @Test
    void shouldPutGetListAndDeleteAsJsonLines() {
        CliRun put = run("put", "greeting", "{\"text\": \"hello\", \"n\": 12345678901234567890123}");
        assertEquals(0, put.exit(), put.err());
        assertTrue(put.out().startsWith("{\"key\":\"greeting\",\"created\":true,\"revision\":"), put.out());
        assertEquals("{\"text\":\"hello\",\"n\":12345678901234567890123}\n", run("get", "greeting").out());
        assertEquals(0, run("put", "session/42", "token", "--string", "--ttl", "600").exit());
        assertEquals("\"token\"\n", run("get", "session/42").out());
        assertTrue(run("get", "session/42", "--full").out().startsWith("{\"key\":\"session/42\",\"value\":\"token\","));
        assertEquals("session/42\n", run("list", "--prefix", "sess").out());
        assertEquals("greeting\n", run("list", "--limit", "1").out());
        CliRun deleted = run("delete", "greeting");
        assertEquals(0, deleted.exit());
        assertTrue(deleted.out().startsWith("{\"key\":\"greeting\",\"deleted\":true"), deleted.out());
    }

    @Test
    void shouldExitOneForAMissingKeyAndTwoForUsage() {
        assertOneLine(run("get", "nope"), ExitStatus.NOT_FOUND, "key not found");
        assertOneLine(run("delete", "nope"), ExitStatus.NOT_FOUND, "key not found");
        assertOneLine(run("put", "k", "not json"), ExitStatus.USAGE, "--string");
        assertOneLine(run("put", "k", "1", "--if-absent", "--if-revision", "3"), ExitStatus.USAGE, "mutually exclusive");
        assertOneLine(run("list", "--limit", "0"), ExitStatus.USAGE, "--limit");
        assertOneLine(run("get"), ExitStatus.USAGE, "KEY");
        assertOneLine(run("get", "k".repeat(1025)), ExitStatus.USAGE, "key");
        assertOneLine(runAt("ftp://x", "get", "k"), ExitStatus.USAGE, "--url");
        assertOneLine(CliRun.of("cluster"), ExitStatus.USAGE, "subcommand");
        assertOneLine(run("batch", dir.resolve("absent.json").toString()), ExitStatus.USAGE, "absent.json");
    }

    @Test
    void shouldExitFiveWhenNoServerAnswers() throws Exception {
        server.stop();
        assertOneLine(run("get", "k"), ExitStatus.UNAVAILABLE, "connection refused");
    }

    @Test
    void shouldApplyABatchFromAFileOrStdin() throws Exception {
        Path file = Files.writeString(dir.resolve("batch.json"),
                "{\"operations\": [{\"op\": \"set\", \"key\": \"a\", \"value\": 1}, {\"op\": \"get\", \"key\": \"a\"},"
                        + " {\"op\": \"delete\", \"key\": \"missing\"}]}");
        CliRun batch = run("batch", file.toString());
        assertEquals(0, batch.exit(), batch.err());
        assertTrue(batch.out().startsWith("{\"results\":[{\"success\":true,\"key\":\"a\",\"created\":true},"
                + "{\"key\":\"a\",\"value\":1"), batch.out());
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("[{\"op\": \"get\", \"key\": \"a\"}]".getBytes(StandardCharsets.UTF_8)));
            CliRun fromStdin = run("batch");
            assertTrue(fromStdin.out().startsWith("{\"results\":[{\"key\":\"a\",\"value\":1"), fromStdin.out());
        } finally {
            System.setIn(stdin);
        }
        assertOneLine(run("batch", Files.writeString(dir.resolve("bad.json"), "[{\"op\": \"frob\", \"key\": \"a\"}]")
                .toString()), ExitStatus.USAGE, "operation 0");
    }

    @Test
    void shouldSaveABackupWholeAndStartACompaction() throws Exception {
        run("put", "kept", "[1]");
        Path file = dir.resolve("backup.ndjson");
        CliRun backup = run("backup", file.toString());
        assertEquals(0, backup.exit(), backup.err());
        assertTrue(Files.readString(file).contains("\"key\":\"kept\""));
        assertFalse(Files.exists(dir.resolve("backup.ndjson.partial")));
        assertEquals("{\"compaction\":\"started\"}\n", run("compact").out());
        assertOneLine(run("backup", dir.resolve("no/such/dir/b").toString()), ExitStatus.FAILED, "no/such/dir");
    }

    @Test
    void shouldPrintChangesAndStopAfterCount() {
        run("put", "w/a", "1");
        run("put", "other", "2");
        run("delete", "w/a");
        CliRun watch = run("watch", "--prefix", "w/", "--from", "1", "--count", "2");
        assertEquals(0, watch.exit(), watch.err());
        assertEquals(List.of("{\"type\":\"put\",\"key\":\"w/a\",\"value\":1,\"revision\":1,\"create_revision\":1,\"version\":1}",
                "{\"type\":\"delete\",\"key\":\"w/a\",\"revision\":3}"), watch.out().lines().toList());
        assertOneLine(run("watch", "--count", "0"), ExitStatus.USAGE, "--count");
    }

    @Test
    void shouldExitFourWhenTheWatchedHistoryIsGone() throws Exception {
        server.close();
        server = InProcessServer.start(dir.resolve("small"), new WatchHub.Settings(5, 1 << 20, 10_000));
        for (int i = 0; i < 20; i++) {
            run("put", "h" + i, "1");
        }
        assertOneLine(run("watch", "--from", "1"), ExitStatus.FAILED, "list again");
    }

    @Test
    void shouldPrintACompletionScriptNamingTheSubcommands() {
        CliRun completion = run("completion");
        assertEquals(0, completion.exit(), completion.err());
        assertTrue(completion.out().contains("complete -F"), completion.out());
        for (String command : new String[] {"get", "put", "delete", "list", "watch", "batch", "backup", "compact", "cluster"}) {
            assertTrue(completion.out().contains(command), command);
        }
    }
}
