package kvstore.core.cluster;

import java.util.List;

/**
 * A member's view of the cluster, as {@code GET /cluster} shows it.
 *
 * @param role {@code leader}, {@code follower} or {@code candidate}
 * @param leader the leader's id, or null when this member knows none
 * @param commitIndex the highest log index this member knows to be committed
 * @param appliedIndex the highest log index this member has applied
 */
public record ClusterStatus(String nodeId, String role, String leader, long term, long commitIndex,
                            long appliedIndex, List<Member> members) {
    /**
     * One member as the others reach it.
     *
     * @param httpAddress {@code host:port} of its HTTP API
     * @param raftAddress {@code host:port} of its replication port
     */
    public record Member(String id, String httpAddress, String raftAddress) {
    }

    public ClusterStatus {
        members = List.copyOf(members);
    }

    /**
     * Null when the member can serve linearizable reads and writes (it knows a leader and has applied what it
     * knows to be committed), otherwise why not.
     */
    public String notReadyBecause() {
        if (leader == null) {
            return "no leader";
        }
        if (appliedIndex < commitIndex) {
            return "catching up";
        }
        return null;
    }
}
