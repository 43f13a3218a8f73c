package kvstore.netty.cli.client;

import com.sun.net.httpserver.HttpServer;
import kvstore.netty.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kvstore cluster status|add|remove|leader} against a scripted server that answers as the contract's Cluster
 * operations say: the membership endpoints are not served yet, so this checks what the commands send and print.
 */
class ClusterCommandTest {
    private static final String DOCUMENT = "{\"node_id\":\"n2\",\"role\":\"follower\",\"leader\":\"n1\",\"term\":4,"
            + "\"commit_index\":10,\"applied_index\":10,\"members\":[{\"id\":\"n1\",\"http\":\"h:1\",\"raft\":\"h:2\"}]}";
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                        + (body.isEmpty() ? "" : " " + body));
                boolean last = exchange.getRequestURI().getRawPath().endsWith("/n1")
                        && exchange.getRequestMethod().equals("DELETE");
                byte[] answer = (last ? "{\"error\":\"cannot remove the last member\"}" : DOCUMENT)
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(last ? 409 : 200, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = Stream.concat(Arrays.stream(args),
                Stream.of("--url", "http://127.0.0.1:" + server.getAddress().getPort())).toArray(String[]::new);
        return cli.execute(all);
    }

    @Test
    void shouldSendEachClusterOperationAndPrintTheAnswer() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "cluster", "status"));
        assertEquals(0, run(out, err, "cluster", "leader"));
        assertEquals(0, run(out, err, "cluster", "add", "n4", "--http", "h:7", "--raft", "h:8"));
        assertEquals(0, run(out, err, "cluster", "leader", "n3"));
        assertEquals(0, run(out, err, "cluster", "remove", "n2"));
        assertEquals(List.of("GET /cluster", "GET /cluster", "POST /cluster/members {\"id\":\"n4\",\"http\":\"h:7\",\"raft\":\"h:8\"}",
                "POST /cluster/leader {\"id\":\"n3\"}", "DELETE /cluster/members/n2"), requests);
        List<String> lines = out.toString().lines().toList();
        assertEquals(DOCUMENT, lines.get(0));
        assertEquals("n1", lines.get(1));
        assertEquals("", err.toString());
    }

    @Test
    void shouldExitFourWhenTheServerRefusesAndTwoWhenAnAddressIsMissing() {
        StringWriter err = new StringWriter();
        assertEquals(ExitStatus.FAILED, run(new StringWriter(), err, "cluster", "remove", "n1"));
        assertTrue(err.toString().startsWith("kvstore: cannot remove the last member (409"), err.toString());
        StringWriter usage = new StringWriter();
        assertEquals(ExitStatus.USAGE, run(new StringWriter(), usage, "cluster", "add", "n4", "--http", "h:7"));
        assertTrue(usage.toString().contains("--raft"), usage.toString());
    }
}
