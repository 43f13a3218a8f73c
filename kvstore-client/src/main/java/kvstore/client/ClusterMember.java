package kvstore.client;

/**
 * A member of a cluster as {@code GET /cluster} lists it.
 *
 * @param id   its id ({@code --node-id})
 * @param http its HTTP address, {@code host:port}
 * @param raft its replication address, {@code host:port}
 */
public record ClusterMember(String id, String http, String raft) {
}
