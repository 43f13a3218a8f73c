package kvstore.netty.http;

import kvstore.core.Engine;
import kvstore.core.cluster.Cluster;
import kvstore.core.watch.WatchHub;

/**
 * What answers each kind of request, shared by every connection: reads, writes, watches, the operator's requests,
 * the cluster's and the web console's files. Each part is safe from any event loop.
 */
record Endpoints(ReadRequests reads, WriteRequests writes, WatchRequests watches, AdminRequests admin,
                 ClusterRequests cluster, ConsoleFiles console) {
    /**
     * The endpoints of {@code db}, reporting {@code fsyncPolicy} (none when null) in {@code /stats}; watches are served from
     * {@code hub}, which {@code db}'s store tells of its changes; {@code cluster} is the member's cluster, or null on
     * a single server.
     */
    static Endpoints of(Engine db, String fsyncPolicy, Cluster cluster, WatchHub hub) {
        ReadRequests reads = new ReadRequests(db, fsyncPolicy, new OperationCount());
        return new Endpoints(reads, new WriteRequests(db, reads.operations), new WatchRequests(hub),
                new AdminRequests(db), new ClusterRequests(cluster), ConsoleFiles.load());
    }
}
