package kvstore.client;

import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.http.HttpServer;
import kvstore.netty.http.HttpSettings;
import kvstore.netty.metrics.KvMetrics;
import kvstore.raft.Member;
import kvstore.raft.MemberConfig;
import kvstore.raft.RaftEngine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A cluster of kvstore members in this JVM: each a real RaftEngine behind the real HTTP server, on loopback ports,
 * as {@code --node-id}/{@code --peers} would start them. A member can be stopped (its HTTP server and its Raft
 * server closed), which its peers see as a member gone.
 */
final class InProcessCluster implements AutoCloseable {
    private final List<Member> members = new ArrayList<>();
    private final List<RaftEngine> engines = new ArrayList<>();
    private final List<HttpServer> servers = new ArrayList<>();

    private InProcessCluster() {
    }

    /** Starts {@code size} members under {@code dir}, and waits until one leads and every one knows it. */
    static InProcessCluster start(Path dir, int size) throws Exception {
        InProcessCluster cluster = new InProcessCluster();
        for (int i = 1; i <= size; i++) {
            cluster.members.add(new Member("n" + i, "127.0.0.1", InProcessServer.freePort(), InProcessServer.freePort()));
        }
        try {
            for (Member member : cluster.members) {
                WatchHub watches = InProcessServer.watchHub(WatchHub.Settings.DEFAULTS);
                RaftEngine engine = RaftEngine.start(MemberConfig.of(member.id(), cluster.members,
                        dir.resolve(member.id())), watches);
                cluster.engines.add(engine);
                cluster.servers.add(HttpServer.start(engine, engine, watches, "always",
                        HttpSettings.of("127.0.0.1", member.httpPort(), 1 << 20, 60),
                        new KvMetrics(NanoClock.SYSTEM), e -> { }));
            }
            cluster.awaitLeader(Duration.ofSeconds(60));
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Every member's URL, in member order. */
    List<String> urls() {
        return members.stream().map(m -> "http://" + m.httpAddress()).toList();
    }

    /** Member {@code index}'s id. */
    String id(int index) {
        return members.get(index).id();
    }

    /** The index of the member that leads now, once every running member agrees on one. */
    int awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> leader = agreedLeader();
            if (leader.isPresent()) {
                for (int i = 0; i < members.size(); i++) {
                    if (members.get(i).id().equals(leader.get())) {
                        return i;
                    }
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no leader that every running member knows within " + timeout);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private Optional<String> agreedLeader() {
        String agreed = null;
        for (int i = 0; i < engines.size(); i++) {
            if (servers.get(i) == null) {
                continue;
            }
            String leader = engines.get(i).status().leader();
            if (leader == null || agreed != null && !agreed.equals(leader)) {
                return Optional.empty();
            }
            agreed = leader;
        }
        return Optional.ofNullable(agreed);
    }

    /** Stops member {@code index}: its HTTP port refuses connections and its peers lose it. */
    void stop(int index) throws Exception {
        HttpServer server = servers.get(index);
        if (server != null) {
            servers.set(index, null);
            server.stopAccepting();
            server.close();
            engines.get(index).close();
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < engines.size(); i++) {
            stop(i);
        }
    }
}
