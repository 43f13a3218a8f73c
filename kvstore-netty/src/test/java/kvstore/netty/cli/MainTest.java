package kvstore.netty.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static void assertOneLineError(CliRun run, String mentions) {
        assertEquals(CommandLine.ExitCode.USAGE, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains(mentions), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void shouldRejectBadValuesWithOneLine() {
        assertOneLineError(run("--port", "70000"), "--port");
        assertOneLineError(run("--port", "0"), "--port");
        assertOneLineError(run("--port", "http"), "http");
        assertOneLineError(run("--fsync", "sometimes"), "sometimes");
        assertOneLineError(run("--max-body", "lots"), "lots");
        assertOneLineError(run("--idle-timeout", "0"), "--idle-timeout");
        assertOneLineError(run("--compact-ratio", "0.5"), "--compact-ratio");
        assertOneLineError(run("--nope"), "--nope");
        assertOneLineError(run("--request-timeout", "0"), "--request-timeout");
        assertOneLineError(run("--request-timeout", "soon"), "soon");
        assertOneLineError(run("--max-connections", "0"), "--max-connections");
        assertOneLineError(run("--max-connections", "-3"), "--max-connections");
    }

    @Test
    void shouldRefuseBadSecuritySettingsWithOneLine(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        assertOneLineError(run("--data-dir", data.toString(), "--auth-token-file", dir.resolve("none").toString()),
                "--auth-token-file");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertOneLineError(run("--data-dir", data.toString(), "--auth-token-file", empty.toString()), "no token");
        assertOneLineError(run("--data-dir", data.toString(), "--tls-cert", empty.toString()), "--tls-key");
        CliRun open = run("--data-dir", data.toString(), "--host", "0.0.0.0");
        assertOneLineError(open, "--insecure-no-auth");
        assertTrue(open.err().contains("--auth-token-file"), open.err());
        assertFalse(Files.exists(data), "nothing is touched before the settings are known to be good");
    }

    @Test
    void shouldLeaveTheClientCommandsOutOfAServersStartOnly() {
        assertTrue(Main.commandLine(new String[0]).getSubcommands().isEmpty());
        assertTrue(Main.commandLine(new String[] {"--port", "1", "--data-dir", "d"}).getSubcommands().isEmpty());
        for (String[] args : new String[][] {{"get", "k"}, {"--port", "1", "get", "k"}, {"--port", "1", "--help"},
            {"-V"}, {"gte"}}) {
            assertTrue(Main.commandLine(args).getSubcommands().containsKey("get"), String.join(" ", args));
        }
        assertTrue(run("--port", "1", "gte").err().contains("gte"), "a stray word is still refused");
    }

    @Test
    void shouldPrintHelpAndVersion() {
        CliRun help = run("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Client commands") && help.out().contains("completion"), help.out());
        for (String option : new String[] {"--port", "--data-dir", "--host", "--fsync", "--max-body", "--repair", "PORT", "DATA_DIR",
                "--request-timeout", "KVSTORE_REQUEST_TIMEOUT", "--max-connections", "KVSTORE_MAX_CONNECTIONS",
                "--auth-token-file", "KVSTORE_AUTH_TOKEN_FILE", "--insecure-no-auth", "--allowed-origins",
                "KVSTORE_ALLOWED_ORIGINS", "--allowed-hosts", "KVSTORE_ALLOWED_HOSTS", "--tls-cert", "KVSTORE_TLS_CERT",
                "--tls-key", "KVSTORE_TLS_KEY"}) {
            assertTrue(help.out().contains(option), option);
        }
        CliRun version = run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("kvstore"), version.out());
    }

    @Test
    void shouldFailToStartWithOneLineWhenTheDataDirCannotBeCreated(@TempDir Path tmp) throws Exception {
        Path file = Files.createFile(tmp.resolve("file"));
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        int exit;
        try {
            exit = Main.commandLine().execute("--port", "1", "--data-dir", file.resolve("data").toString());
        } finally {
            System.setErr(saved);
        }
        assertEquals(1, exit);
        String text = captured.toString();
        assertEquals(1, text.strip().lines().count(), text);
        assertTrue(text.contains("cannot use data dir"), text);
    }
}
