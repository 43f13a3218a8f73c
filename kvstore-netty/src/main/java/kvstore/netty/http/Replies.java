package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import kvstore.core.Engine;
import kvstore.core.cluster.ClusterStatus;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Every JSON body kvstore answers with, each shape written here once: the single-key requests and the
 * results of a batch share them. Members are appended to a {@link JsonBody}, so a batch builds all its
 * results in one buffer.
 */
final class Replies {
    /** The error of a key that is absent or expired. */
    static final String NOT_FOUND = "key not found";

    private static final byte[] KEY = ascii("{\"key\":");
    private static final byte[] VALUE = ascii(",\"value\":");
    private static final byte[] END = ascii("}");
    private static final byte[] NOT_FOUND_END = ascii(",\"error\":\"" + NOT_FOUND + "\"}");
    private static final byte[] STORED = ascii("{\"success\":true,\"key\":");
    private static final byte[] CREATED = ascii(",\"created\":");
    private static final byte[] DELETED = ascii("{\"success\":true,\"deleted\":true,\"key\":");
    private static final byte[] NOT_DELETED = ascii("{\"success\":false,\"deleted\":false,\"key\":");
    private static final byte[] RESULTS = ascii("{\"success\":true,\"results\":[");
    private static final byte[] RESULTS_END = ascii("]}");
    private static final byte[] HEALTHY = ascii("{\"status\":\"ok\"}");
    private static final byte[] COMPACTION_STARTED = ascii("{\"compaction\":\"started\"}");
    /** The error of {@code POST /admin/compact} while a compaction runs. */
    static final String COMPACTION_RUNNING = "compaction already running";

    private Replies() {
    }

    /** {@code {"key":k,"value":v}}: a key's value (GET, and a get in a batch). */
    static JsonBody entry(JsonBody json, byte[] key, byte[] value) {
        return json.raw(KEY).string(key).raw(VALUE).json(value).raw(END);
    }

    /** {@code {"key":k,"error":"key not found"}}: a get in a batch that found nothing. */
    static JsonBody missing(JsonBody json, byte[] key) {
        return json.raw(KEY).string(key).raw(NOT_FOUND_END);
    }

    /**
     * {@code {"success":true,"key":k,"value":v,"created":c}}: a set. {@code value} is null in a batch,
     * whose results leave it out.
     */
    static JsonBody stored(JsonBody json, byte[] key, byte[] value, boolean created) {
        json.raw(STORED).string(key);
        if (value != null) {
            json.raw(VALUE).json(value);
        }
        return json.raw(CREATED).bool(created).raw(END);
    }

    /** {@code {"success":true,"deleted":true,"key":k}}: a delete that removed a key (DELETE, and in a batch). */
    static JsonBody deleted(JsonBody json, byte[] key) {
        return json.raw(DELETED).string(key).raw(END);
    }

    /** {@code {"success":false,"deleted":false,"key":k,"error":"key not found"}}: a delete in a batch that found nothing. */
    static JsonBody notDeleted(JsonBody json, byte[] key) {
        return json.raw(NOT_DELETED).string(key).raw(NOT_FOUND_END);
    }

    /** Opens {@code {"success":true,"results":[}; results follow, separated by {@link #nextResult}. */
    static JsonBody results(JsonBody json) {
        return json.raw(RESULTS);
    }

    /** The separator before every result but the first. */
    static JsonBody nextResult(JsonBody json) {
        return json.raw(",");
    }

    /** Closes what {@link #results} opened. */
    static JsonBody resultsEnd(JsonBody json) {
        return json.raw(RESULTS_END);
    }

    /** {@code {"keys":[k,...]}}: a listing; with {@code "next":n} when {@code next} is not null (a page). */
    static JsonBody keys(JsonBody json, List<byte[]> keys, byte[] next) {
        json.raw("{\"keys\":[");
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                json.raw(",");
            }
            json.string(keys.get(i));
        }
        json.raw("]");
        if (next != null) {
            json.raw(",\"next\":").string(next);
        }
        return json.raw("}");
    }

    /** The size hint of {@link #keys}. */
    static int keysSize(List<byte[]> keys) {
        int size = 16;
        for (byte[] k : keys) {
            size += k.length + 3;
        }
        return size;
    }

    /** The body of {@code GET /stats}. */
    static JsonBody stats(JsonBody json, Engine.Stats s, long operations, double uptimeSeconds, String fsyncPolicy) {
        return json.raw("{\"keys\":").number(s.keys())
                .raw(",\"total_keys\":").number(s.keys())
                .raw(",\"size_bytes\":").number(s.valueBytes())
                .raw(",\"total_operations\":").number(operations)
                .raw(",\"uptime_seconds\":").raw(String.format(Locale.ROOT, "%.3f", uptimeSeconds))
                .raw(",\"wal_bytes\":").number(s.logBytes())
                .raw(",\"wal_fsyncs\":").number(s.logSyncs())
                .raw(",\"compactions\":").number(s.compactions())
                .raw(",\"memory_bytes\":").number(s.memoryBytes())
                .raw(",\"max_memory_bytes\":").number(s.maxMemoryBytes())
                .raw(",\"fsync\":").string(fsyncPolicy)
                .raw("}");
    }

    /** The body of {@code GET /health}. */
    static JsonBody health(ByteBufAllocator alloc) {
        return new JsonBody(alloc, HEALTHY.length).raw(HEALTHY);
    }

    /** The body of {@code POST /admin/compact} that started one. */
    static ByteBuf compactionStarted(ByteBufAllocator alloc) {
        return new JsonBody(alloc, COMPACTION_STARTED.length).raw(COMPACTION_STARTED).done();
    }

    /** {@code {"error": message}}, or with {@code "index": index} (the first bad operation of a batch) when it is 0 or more. */
    static ByteBuf error(ByteBufAllocator alloc, String message, int index) {
        JsonBody body = new JsonBody(alloc, 32 + message.length()).raw("{\"error\":").string(message);
        if (index >= 0) {
            body.raw(",\"index\":").number(index);
        }
        return body.raw("}").done();
    }

    /** {@code {"status":s}}: a member's readiness. */
    static JsonBody status(JsonBody json, String status) {
        return json.raw("{\"status\":").string(status).raw(END);
    }

    /** The member's view of the cluster ({@code GET /cluster}). */
    static JsonBody cluster(JsonBody json, ClusterStatus status) {
        json.raw("{\"node_id\":").string(status.nodeId())
                .raw(",\"role\":").string(status.role())
                .raw(",\"leader\":");
        if (status.leader() == null) {
            json.raw("null");
        } else {
            json.string(status.leader());
        }
        json.raw(",\"term\":").number(status.term())
                .raw(",\"commit_index\":").number(status.commitIndex())
                .raw(",\"applied_index\":").number(status.appliedIndex())
                .raw(",\"members\":[");
        for (int i = 0; i < status.members().size(); i++) {
            ClusterStatus.Member m = status.members().get(i);
            json.raw(i == 0 ? "{\"id\":" : ",{\"id\":").string(m.id())
                    .raw(",\"http\":").string(m.httpAddress())
                    .raw(",\"raft\":").string(m.raftAddress()).raw(END);
        }
        return json.raw("]}");
    }

    /** {@code 410}: a watch asked to start before the oldest revision the history holds. */
    static ByteBuf compacted(ByteBufAllocator alloc, long compactRevision) {
        return new JsonBody(alloc, 64).raw("{\"error\":").string(SseEvents.COMPACTED)
                .raw(",\"compact_revision\":").number(compactRevision).raw("}").done();
    }

    /** {@code {"location":l}}: a redirect's body, saying where to go as its {@code Location} header does. */
    static ByteBuf location(ByteBufAllocator alloc, String location) {
        return new JsonBody(alloc, 16 + location.length()).raw("{\"location\":").string(location).raw("}").done();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
