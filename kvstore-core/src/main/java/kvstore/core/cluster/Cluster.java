package kvstore.core.cluster;

import java.util.concurrent.CompletionStage;

/**
 * What the HTTP layer needs of the cluster a server belongs to, beside its {@link kvstore.core.Engine}: the read
 * barrier of linearizable reads, the member's view for {@code GET /cluster} and {@code GET /ready}, and the
 * operator's membership and leadership changes. The replication module implements it; a single server has none.
 *
 * <p>Threads: any method from any thread; stages complete on the cluster's own threads, so a caller with work
 * for its own thread hands it over.
 */
public interface Cluster {
    /**
     * Completes once this member has applied every write acknowledged before the call, so that a read of its
     * state after that is linearizable; fails with a {@link kvstore.core.WriteFailedException} ({@code NO_QUORUM},
     * {@code SHUTTING_DOWN}) when that cannot be confirmed in time.
     */
    CompletionStage<Void> readBarrier();

    /** This member's view of the cluster, from memory. */
    ClusterStatus status();

    /**
     * Adds {@code member}, a process already started to join: it catches up without a vote, then becomes a voting
     * member. Completes with this member's view once the new membership is committed and known here; fails with a
     * {@link MembershipException}.
     */
    CompletionStage<ClusterStatus> addMember(ClusterStatus.Member member);

    /**
     * Removes member {@code id}; when it leads, it hands its leadership to another member first. Completes as
     * {@link #addMember} does; the last member is never removed ({@link MembershipException.Reason#CONFLICT}).
     */
    CompletionStage<ClusterStatus> removeMember(String id);

    /** Moves the leadership to member {@code id}; completes once this member knows it as the leader. */
    CompletionStage<ClusterStatus> transferLeadership(String id);

    /** What this member's replication has done since it started, from memory. */
    ReplicationFigures figures();
}
