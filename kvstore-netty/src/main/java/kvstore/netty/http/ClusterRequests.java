package kvstore.netty.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.WriteFailedException;
import kvstore.core.cluster.Cluster;
import kvstore.core.cluster.ClusterStatus;
import kvstore.core.cluster.MembershipException;
import kvstore.core.json.CompactJson;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The routes only a cluster member answers ({@link Route.Trait#CLUSTER_ONLY}): {@code GET /cluster} and
 * {@code GET /ready}, from the member's {@link Cluster}, and the operator's membership and leadership changes,
 * answered with the new {@code /cluster} document once the cluster has made them. A single server has none of
 * them: {@code 404}, as for any unknown path.
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

    /** {@code POST /cluster/members} {@code {"id": .., "http": "host:port", "raft": "host:port"}}. */
    void add(Exchange ex) throws BadRequestException {
        Map<String, String> body = strings(ex, "id", "http", "raft");
        answer(ex, cluster.addMember(new ClusterStatus.Member(body.get("id"), body.get("http"), body.get("raft"))));
    }

    /** {@code DELETE /cluster/members/{id}}. */
    void remove(Exchange ex, String id) {
        answer(ex, cluster.removeMember(id));
    }

    /** {@code POST /cluster/leader} {@code {"id": ..}}. */
    void lead(Exchange ex) throws BadRequestException {
        answer(ex, cluster.transferLeadership(strings(ex, "id").get("id")));
    }

    private static void answer(Exchange ex, CompletionStage<ClusterStatus> change) {
        change.whenComplete((status, failure) -> ex.ctx().executor().execute(() -> {
            if (failure == null) {
                ex.ok(Replies.cluster(new JsonBody(ex.alloc(), 256), status));
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                ex.error(status(cause), String.valueOf(cause.getMessage()));
            }
            ex.ctx().flush();
        }));
    }

    static HttpResponseStatus status(Throwable refusal) {
        if (refusal instanceof WriteFailedException w) {
            return WriteRequests.status(w.reason());
        }
        if (!(refusal instanceof MembershipException m)) {
            return HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        return switch (m.reason()) {
            case INVALID -> HttpResponseStatus.BAD_REQUEST;
            case UNKNOWN_MEMBER -> HttpResponseStatus.NOT_FOUND;
            case CONFLICT -> HttpResponseStatus.CONFLICT;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
        };
    }

    /** The body's JSON object, which must hold each of {@code fields} as a string (other fields are ignored). */
    private static Map<String, String> strings(Exchange ex, String... fields) throws BadRequestException {
        byte[] body = ByteBufUtil.getBytes(ex.request().content());
        Map<String, String> found = new HashMap<>();
        try (JsonParser p = CompactJson.FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequestException("body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    found.put(name, p.getText());
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new BadRequestException("body must be one JSON object");
            }
        } catch (IOException e) {
            throw new BadRequestException("body is not valid JSON");
        }
        for (String field : fields) {
            if (found.get(field) == null || found.get(field).isEmpty()) {
                throw new BadRequestException("body needs \"" + field + "\" as a string");
            }
        }
        return found;
    }
}
