package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The operator's calls, from {@link KvClient#admin()}: statistics, a backup, a compaction, and a cluster's
 * membership and leadership. They go to the endpoints as every call does: a read to any that answers, a change
 * never twice.
 */
public final class KvAdmin {
    private final Transport transport;

    KvAdmin(Transport transport) {
        this.transport = transport;
    }

    /** {@code GET /stats}: live keys, bytes, operations, uptime, log figures. */
    public JsonNode stats() {
        return json(Call.read("/stats"));
    }

    /**
     * Streams a backup of the whole data set, as it stood at one instant, to {@code out} (the {@code wal.log} line
     * format: saved as {@code wal.log} in an empty data directory, it starts a server holding that state).
     *
     * @return the bytes written
     */
    public long backup(OutputStream out) {
        Call call = Call.read("/backup");
        try (InputStream in = transport.openRead(call)) {
            return in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("the backup stream broke off: " + e.getMessage(), e);
        }
    }

    /** Starts a compaction of the log now; {@link ConflictException} when one is running already. */
    public void compact() {
        transport.expectOk(Call.write("POST", "/admin/compact", null, Map.of()));
    }

    /** {@code GET /cluster}: this member's view of its cluster ({@link NotFoundException} from a single server). */
    public ClusterStatus clusterStatus() {
        return new ClusterStatus(json(Call.read("/cluster")));
    }

    /**
     * Adds a member that was started with {@code --join} and its own addresses; answers once the new membership
     * is committed, with the new cluster document.
     *
     * @param id   the new member's id
     * @param http its HTTP address, {@code host:port}
     * @param raft its replication address, {@code host:port}
     */
    public ClusterStatus addMember(String id, String http, String raft) {
        ObjectNode member = Json.MAPPER.createObjectNode().put("id", id).put("http", http).put("raft", raft);
        return new ClusterStatus(json(Call.write("POST", "/cluster/members", bytes(member), Map.of())));
    }

    /** Removes member {@code id} (its leadership handed over first); {@link ConflictException} for the last one. */
    public JsonNode removeMember(String id) {
        return json(Call.write("DELETE", "/cluster/members/" + UrlText.encode(id), null, Map.of()));
    }

    /** Moves the leadership to member {@code id} (for maintenance of the current leader). */
    public JsonNode transferLeadership(String id) {
        ObjectNode target = Json.MAPPER.createObjectNode().put("id", id);
        return json(Call.write("POST", "/cluster/leader", bytes(target), Map.of()));
    }

    private JsonNode json(Call call) {
        return Answers.parse(call, transport.expectOk(call)).root();
    }

    private static byte[] bytes(JsonNode body) {
        return Json.text(body).getBytes(StandardCharsets.UTF_8);
    }
}
