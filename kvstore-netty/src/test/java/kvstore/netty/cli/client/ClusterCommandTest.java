package kvstore.netty.cli.client;

import com.sun.net.httpserver.HttpServer;
import kvstore.netty.cli.CliRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
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

    private CliRun run(String... args) {
        return CliRun.of(Stream.concat(Arrays.stream(args),
                Stream.of("--url", "http://127.0.0.1:" + server.getAddress().getPort())).toArray(String[]::new));
    }

    @Test
    void shouldSendEachClusterOperationAndPrintTheAnswer() {
        CliRun status = run("cluster", "status");
        CliRun leader = run("cluster", "leader");
        for (CliRun change : List.of(run("cluster", "add", "n4", "--http", "h:7", "--raft", "h:8"),
                run("cluster", "leader", "n3"), run("cluster", "remove", "n2"), status, leader)) {
            assertEquals(0, change.exit(), change.err());
            assertEquals("", change.err());
        }
        assertEquals(List.of("GET /cluster", "GET /cluster", "POST /cluster/members {\"id\":\"n4\",\"http\":\"h:7\",\"raft\":\"h:8\"}",
                "POST /cluster/leader {\"id\":\"n3\"}", "DELETE /cluster/members/n2"), requests);
        assertEquals(DOCUMENT + "\n", status.out());
        assertEquals("n1\n", leader.out());
    }

    @Test
    void shouldExitFourWhenTheServerRefusesAndTwoWhenAnAddressIsMissing() {
        CliRun last = run("cluster", "remove", "n1");
        assertEquals(ExitStatus.FAILED, last.exit());
        assertTrue(last.err().startsWith("kvstore: cannot remove the last member (409"), last.err());
        CliRun usage = run("cluster", "add", "n4", "--http", "h:7");
        assertEquals(ExitStatus.USAGE, usage.exit());
        assertTrue(usage.err().contains("--raft"), usage.err());
    }
}
