package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.core.WriteFailedException;
import kvstore.core.cluster.ClusterStatus;
import kvstore.core.cluster.MembershipException;
import kvstore.core.time.NanoClock;
import kvstore.netty.metrics.KvMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The membership routes over an embedded pipeline and a {@link FakeCluster}: what reaches the cluster, what comes back. */
class ClusterRequestsTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeCluster cluster = new FakeCluster();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ResponseOrder(), new KvHandler(
            Endpoints.of(engine, "always", cluster, engine.watches), new RequestMetrics(new KvMetrics(NanoClock.SYSTEM))));

    @AfterEach
    void noResponseLeft() {
        assertNull(channel.readOutbound(), "a response nobody expected");
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest request(HttpMethod method, String uri, String body) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    }

    private String answer() {
        channel.runPendingTasks();
        FullHttpResponse response = channel.readOutbound();
        try {
            return response.status().code() + " " + JsonReplies.line(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void shouldAnswerAnAdditionWithTheNewClusterDocumentOnceTheClusterMadeIt() {
        cluster.next = new CompletableFuture<>();
        channel.writeInbound(request(HttpMethod.POST, "/cluster/members",
                "{\"id\":\"n2\",\"http\":\"127.0.0.1:3\",\"raft\":\"127.0.0.1:4\"}"));
        channel.runPendingTasks();
        assertNull(channel.readOutbound(), "answered before the change was committed");
        assertEquals(List.of("add n2 127.0.0.1:3 127.0.0.1:4"), cluster.asked);

        cluster.next.complete(new ClusterStatus("n1", "leader", "n1", 1, 2, 2, List.of(
                new ClusterStatus.Member("n1", "127.0.0.1:1", "127.0.0.1:2"),
                new ClusterStatus.Member("n2", "127.0.0.1:3", "127.0.0.1:4"))));
        assertEquals("200 {\"node_id\":\"n1\",\"role\":\"leader\",\"leader\":\"n1\",\"term\":1,\"commit_index\":2,"
                + "\"applied_index\":2,\"members\":[{\"id\":\"n1\",\"http\":\"127.0.0.1:1\",\"raft\":\"127.0.0.1:2\"},"
                + "{\"id\":\"n2\",\"http\":\"127.0.0.1:3\",\"raft\":\"127.0.0.1:4\"}]}", answer());
    }

    @Test
    void shouldPassTheDecodedIdOfARemovalAndALeadershipMove() {
        channel.writeInbound(request(HttpMethod.DELETE, "/cluster/members/n%2D3", ""));
        assertEquals(200, Integer.parseInt(answer().substring(0, 3)));
        channel.writeInbound(request(HttpMethod.POST, "/cluster/leader", "{\"id\":\"n2\",\"why\":{\"a\":[1]}}"));
        assertEquals(200, Integer.parseInt(answer().substring(0, 3)));
        assertEquals(List.of("remove n-3", "lead n2"), cluster.asked);
    }

    @Test
    void shouldRefuseABodyWithoutTheFieldsWith400AndAskNothing() {
        for (String body : List.of("", "[]", "{\"id\":\"n2\"}", "{\"id\":\"n2\",\"http\":\"h:1\",\"raft\":7}", "{\"id\":", "{} {}")) {
            channel.writeInbound(request(HttpMethod.POST, "/cluster/members", body));
            assertEquals(400, Integer.parseInt(answer().substring(0, 3)), body);
        }
        channel.writeInbound(request(HttpMethod.POST, "/cluster/leader", "{\"id\":\"\"}"));
        assertEquals("400 {\"error\":\"body needs \\\"id\\\" as a string\"}", answer());
        assertEquals(List.of(), cluster.asked);
    }

    @Test
    void shouldGiveEachRefusalItsStatusAndKvstoresMessage() {
        String[][] cases = {
            {"400", "INVALID"}, {"404", "UNKNOWN_MEMBER"}, {"409", "CONFLICT"}, {"503", "UNAVAILABLE"}};
        for (String[] c : cases) {
            cluster.next = CompletableFuture.failedFuture(new MembershipException(
                    MembershipException.Reason.valueOf(c[1]), "because " + c[1]));
            channel.writeInbound(request(HttpMethod.DELETE, "/cluster/members/n1", ""));
            assertEquals(c[0] + " {\"error\":\"because " + c[1] + "\"}", answer());
        }
        cluster.next = CompletableFuture.failedFuture(new WriteFailedException(
                WriteFailedException.Reason.SHUTTING_DOWN, "server is shutting down", null));
        channel.writeInbound(request(HttpMethod.POST, "/cluster/leader", "{\"id\":\"n2\"}"));
        assertEquals("503 {\"error\":\"server is shutting down\"}", answer());
    }

    @Test
    void shouldNotServeTheMembershipRoutesOnASingleServer() {
        EmbeddedChannel single = engine.channel();
        single.writeInbound(request(HttpMethod.POST, "/cluster/leader", "{\"id\":\"n2\"}"));
        FullHttpResponse response = single.readOutbound();
        assertEquals(404, response.status().code());
        response.release();
        single.finishAndReleaseAll();
    }
}
