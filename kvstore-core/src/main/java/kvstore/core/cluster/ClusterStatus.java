package kvstore.core.cluster;

import java.util.List;
import java.util.Map;

/**
 * A member's view of the cluster, as {@code GET /cluster} shows it.
 *
 * @param role {@code leader}, {@code follower} or {@code candidate}
 * @param leader the leader's id, or null when this member knows none
 * @param commitIndex the highest log index this member knows to be committed
 * @param appliedIndex the highest log index this member has applied
 * @param matchIndexes on the leader, the highest log index each other member is known to hold (by id); empty
 *                     on any other member: the others' lag behind the leader is {@code commitIndex} minus it
 */
public record ClusterStatus(String nodeId, String role, String leader, long term, long commitIndex,
                            long appliedIndex, List<Member> members, Map<String, Long> matchIndexes) {
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
        matchIndexes = Map.copyOf(matchIndexes);
    }

    /** The view of a member that knows no other member's progress (not the leader). */
    public ClusterStatus(String nodeId, String role, String leader, long term, long commitIndex, long appliedIndex,
                         List<Member> members) {
        this(nodeId, role, leader, term, commitIndex, appliedIndex, members, Map.of());
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
