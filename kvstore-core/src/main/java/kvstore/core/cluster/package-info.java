/**
 * The cluster as the HTTP layer sees it: {@link kvstore.core.cluster.Cluster} (read barriers, status, membership) and the
 * {@link kvstore.core.cluster.ClusterStatus} it reports. The replication module implements it; the HTTP layer
 * knows nothing else of replication.
 */
package kvstore.core.cluster;
