package kvstore.netty.http;

import kvstore.core.cluster.Cluster;
import kvstore.core.cluster.ClusterStatus;
import kvstore.core.cluster.ReplicationFigures;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A cluster of one leader, {@code n1}, for the HTTP layer's tests: its read barrier passes at once, and each
 * membership or leadership change answers with {@link #next}, a stage the test completes (or fails) when it likes.
 * The changes asked for are kept in {@link #asked}.
 */
final class FakeCluster implements Cluster {
    final List<String> asked = new ArrayList<>();
    CompletableFuture<ClusterStatus> next = CompletableFuture.completedFuture(status());

    @Override
    public CompletionStage<Void> readBarrier() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public ClusterStatus status() {
        return new ClusterStatus("n1", "leader", "n1", 1, 1, 1,
                List.of(new ClusterStatus.Member("n1", "127.0.0.1:1", "127.0.0.1:2")));
    }

    @Override
    public ReplicationFigures figures() {
        return new ReplicationFigures(0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public CompletionStage<ClusterStatus> addMember(ClusterStatus.Member member) {
        asked.add("add " + member.id() + " " + member.httpAddress() + " " + member.raftAddress());
        return next;
    }

    @Override
    public CompletionStage<ClusterStatus> removeMember(String id) {
        asked.add("remove " + id);
        return next;
    }

    @Override
    public CompletionStage<ClusterStatus> transferLeadership(String id) {
        asked.add("lead " + id);
        return next;
    }
}
