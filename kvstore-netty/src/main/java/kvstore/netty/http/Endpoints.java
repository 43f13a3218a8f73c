package kvstore.netty.http;

import kvstore.core.Engine;
import kvstore.core.cluster.Cluster;

/**
 * What answers each kind of request, shared by every connection: reads, writes, the operator's requests and the
 * cluster's. Each part is safe from any event loop.
 */
record Endpoints(ReadRequests reads, WriteRequests writes, AdminRequests admin, ClusterRequests cluster) {
    /**
     * The endpoints of {@code db}, reporting {@code fsyncPolicy} in {@code /stats}; {@code cluster} is the
     * member's cluster, or null on a single server.
     */
    static Endpoints of(Engine db, String fsyncPolicy, Cluster cluster) {
        ReadRequests reads = new ReadRequests(db, fsyncPolicy, new OperationCount());
        return new Endpoints(reads, new WriteRequests(db, reads.operations), new AdminRequests(db),
                new ClusterRequests(cluster));
    }
}
