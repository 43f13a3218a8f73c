package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.cluster.Cluster;
import kvstore.core.cluster.ClusterStatus;

/**
 * The routes only a cluster member answers ({@link Route.Trait#CLUSTER_ONLY}): {@code GET /cluster} and
 * {@code GET /ready}, from the member's {@link Cluster}. A single server has none of them: {@code 404}, as for any
 * unknown path.
 */
final class ClusterRequests {
    /** The member's cluster, or null on a single server. */
    private final Cluster cluster;

    ClusterRequests(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Whether this server answers the cluster-only routes. */
    boolean serves() {
        return cluster != null;
    }

    /** {@code GET /cluster}: the member's view. */
    void cluster(Exchange ex) {
        ex.ok(Replies.cluster(new JsonBody(ex.alloc(), 256), cluster.status()));
    }

    /** {@code GET /ready}: {@code 200} when the member can serve linearizable reads and writes, {@code 503} and why not. */
    void ready(Exchange ex) {
        ClusterStatus status = cluster.status();
        String why = status.notReadyBecause();
        ex.send(why == null ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                Replies.status(new JsonBody(ex.alloc(), 48), why == null ? "ready" : why).done(), null);
    }
}
