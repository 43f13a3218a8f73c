package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One member's view of its cluster ({@code GET /cluster}): who it is, its role, the leader it knows, the Raft
 * term and indexes, and the members. {@link #json()} is the whole document, with any field a newer server adds.
 */
public final class ClusterStatus {
    private final JsonNode json;

    ClusterStatus(JsonNode json) {
        this.json = json;
    }

    /** The answering member's id. */
    public String nodeId() {
        return json.path("node_id").asText();
    }

    /** {@code leader}, {@code follower} or {@code candidate}. */
    public String role() {
        return json.path("role").asText();
    }

    /** The leader's id, when the member knows one. */
    public Optional<String> leader() {
        JsonNode leader = json.get("leader");
        return leader == null || leader.isNull() ? Optional.empty() : Optional.of(leader.asText());
    }

    /** The Raft term the member is in. */
    public long term() {
        return json.path("term").asLong();
    }

    /** The highest log index the member knows to be committed. */
    public long commitIndex() {
        return json.path("commit_index").asLong();
    }

    /** The highest log index the member has applied. */
    public long appliedIndex() {
        return json.path("applied_index").asLong();
    }

    /** Every member: id, HTTP address and replication address. */
    public List<ClusterMember> members() {
        List<ClusterMember> members = new ArrayList<>();
        json.path("members").forEach(m -> members.add(
                new ClusterMember(m.path("id").asText(), m.path("http").asText(), m.path("raft").asText())));
        return members;
    }

    /** The document as the server sent it. */
    public JsonNode json() {
        return json;
    }

    @Override
    public String toString() {
        return json.toString();
    }
}
