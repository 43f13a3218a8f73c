package kvstore.core.cluster;

import java.util.concurrent.CompletionStage;

/**
 * What the HTTP layer needs of the cluster a server belongs to, beside its {@link kvstore.core.Engine}: the read
 * barrier of linearizable reads, and the member's view for {@code GET /cluster} and {@code GET /ready}. The
 * replication module implements it; a single server has none. Membership changes will be asked for here too.
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

    /** What this member's replication has done since it started, from memory. */
    ReplicationFigures figures();
}
