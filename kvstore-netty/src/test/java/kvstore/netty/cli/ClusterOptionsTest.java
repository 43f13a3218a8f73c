package kvstore.netty.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterOptionsTest {
    private static final String PEERS = "a=127.0.0.1:7001:7101,b=127.0.0.1:7002:7102,c=127.0.0.1:7003:7103";

    @TempDir
    Path dir;

    private String badStart(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        assertEquals(CommandLine.ExitCode.USAGE, exit, err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
        return err.toString();
    }

    @Test
    void shouldRejectIncompleteOrInconsistentClusterOptionsWithOneLine() {
        String data = dir.toString();
        assertTrue(badStart("--data-dir", data, "--peers", PEERS).contains("--node-id"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a").contains("--peers"));
        assertTrue(badStart("--data-dir", data, "--node-id", "z", "--peers", PEERS).contains("'z'"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", "a=127.0.0.1:7001").contains("id=host:httpPort:raftPort"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", "a=h:1:2,a=h:3:4").contains("twice"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", "a=h:1:99999").contains("99999"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", PEERS, "--port", "8080").contains("--port"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", PEERS, "--write-timeout", "0")
                .contains("--write-timeout"));
    }

    @Test
    void shouldRefuseARaftAddressOthersReachWithoutPeerTlsAndCheckTheJoinAndTlsOptions() {
        String data = dir.toString();
        String open = badStart("--data-dir", data, "--node-id", "a", "--peers", "a=0.0.0.0:7001:7101");
        assertTrue(open.contains("--peer-tls-cert") && open.contains("--insecure-no-auth"), open);
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", PEERS, "--join", "http://x")
                .contains("--join"));
        assertTrue(badStart("--data-dir", data, "--node-id", "a", "--peers", PEERS, "--peer-tls-cert", "c.pem")
                .contains("--peer-tls-key"));
        String unreadable = badStart("--data-dir", data, "--node-id", "a", "--peers", PEERS, "--peer-tls-cert",
                dir.resolve("none.pem").toString(), "--peer-tls-key", "k", "--peer-tls-ca", "ca");
        assertTrue(unreadable.contains("--peer-tls-cert") && unreadable.contains("cannot read"), unreadable);
    }

    @Test
    void shouldListTheClusterOptionsInHelp() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute("--help"));
        for (String option : new String[] {"--node-id", "--peers", "KVSTORE_NODE_ID", "KVSTORE_PEERS", "--write-timeout",
            "--join", "KVSTORE_JOIN", "--peer-tls-cert", "KVSTORE_PEER_TLS_CA"}) {
            assertTrue(out.toString().contains(option), option);
        }
    }
}
