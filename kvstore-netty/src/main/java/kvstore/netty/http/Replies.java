package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import kvstore.core.Engine;
import kvstore.core.cluster.ClusterStatus;
import kvstore.core.store.Entry;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Every JSON body kvstore answers with, each shape written here once: the single-key requests and the
 * results of a batch share them. Members are appended to a {@link JsonBody}; the answers that are lists of
 * many items (a batch's results, a listing with values) are {@link JsonList}s, built whole or streamed.
 */
final class Replies {
    /** The error of a key that is absent or expired. */
    static final String NOT_FOUND = "key not found";
    /** The error of a write refused by a condition (a header or a batch's check). */
    static final String PRECONDITION_FAILED = "precondition failed";

    private static final byte[] KEY = ascii("{\"key\":");
    private static final byte[] VALUE = ascii(",\"value\":");
    private static final byte[] END = ascii("}");
    private static final byte[] NOT_FOUND_END = ascii(",\"error\":\"" + NOT_FOUND + "\"}");
    private static final byte[] STORED = ascii("{\"success\":true,\"key\":");
    private static final byte[] CREATED = ascii(",\"created\":");
    private static final byte[] DELETED = ascii("{\"success\":true,\"deleted\":true,\"key\":");
    private static final byte[] NOT_DELETED = ascii("{\"success\":false,\"deleted\":false,\"key\":");
    private static final byte[] RESULTS = ascii("{\"success\":true,\"results\":[");
    private static final byte[] RESULTS_END = ascii("],\"revision\":");
    private static final byte[] CREATE_REVISION = ascii(",\"create_revision\":");
    private static final byte[] MOD_REVISION = ascii(",\"mod_revision\":");
    private static final byte[] VERSION = ascii(",\"version\":");
    private static final byte[] TTL = ascii(",\"ttl\":");
    private static final byte[] REVISION = ascii(",\"revision\":");
    private static final byte[] HELD = ascii("{\"success\":true,\"key\":");
    private static final byte[] REFUSED = ascii("{\"error\":\"" + PRECONDITION_FAILED + "\",\"key\":");
    private static final byte[] BATCH_REFUSED = ascii("{\"success\":false,\"error\":\"" + PRECONDITION_FAILED
            + "\",\"index\":");
    private static final byte[] HEALTHY = ascii("{\"status\":\"ok\"}");
    private static final byte[] COMPACTION_STARTED = ascii("{\"compaction\":\"started\"}");
    /** The error of {@code POST /admin/compact} while a compaction runs. */
    static final String COMPACTION_RUNNING = "compaction already running";

    private Replies() {
    }

    /**
     * {@code {"key":k,"value":v,"create_revision":c,"mod_revision":m,"version":n,"ttl":t}}: a key's value and
     * figures (GET, a get in a batch, an item of a listing with values); {@code "ttl"}, the seconds left, only when
     * {@code ttlMillis} is 0 or more.
     */
    static JsonBody entry(JsonBody json, byte[] key, byte[] value, long createRevision, long modRevision,
                          long version, long ttlMillis) {
        json.raw(KEY).string(key).raw(VALUE).json(value).raw(CREATE_REVISION).number(createRevision)
                .raw(MOD_REVISION).number(modRevision).raw(VERSION).number(version);
        if (ttlMillis >= 0) {
            json.raw(TTL).seconds(ttlMillis);
        }
        return json.raw(END);
    }

    /** {@link #entry(JsonBody, byte[], byte[], long, long, long, long)} of a live entry, its TTL counted from {@code nowMillis}. */
    static JsonBody entry(JsonBody json, Entry e, long nowMillis) {
        long ttl = e.deadlineMillis() == Entry.NEVER ? -1 : Math.max(0, e.deadlineMillis() - nowMillis);
        return entry(json, e.key(), e.value(), e.createRevision(), e.modRevision(), e.version(), ttl);
    }

    /** The size hint of an {@link #entry} of a key and value of these lengths. */
    static int entrySize(int keyBytes, int valueBytes) {
        return keyBytes + valueBytes + 120;
    }

    /** {@code {"key":k,"error":"key not found"}}: a get in a batch that found nothing. */
    static JsonBody missing(JsonBody json, byte[] key) {
        return json.raw(KEY).string(key).raw(NOT_FOUND_END);
    }

    /**
     * {@code {"success":true,"key":k,"value":v,"created":c,"revision":r}}: a set. {@code value} is null and
     * {@code revision} negative in a batch, whose results leave them out.
     */
    static JsonBody stored(JsonBody json, byte[] key, byte[] value, boolean created, long revision) {
        json.raw(STORED).string(key);
        if (value != null) {
            json.raw(VALUE).json(value);
        }
        json.raw(CREATED).bool(created);
        return revision(json, revision).raw(END);
    }

    /**
     * {@code {"success":true,"deleted":true,"key":k,"revision":r}}: a delete that removed a key (DELETE, and in a
     * batch, where {@code revision} is negative and left out).
     */
    static JsonBody deleted(JsonBody json, byte[] key, long revision) {
        return revision(json.raw(DELETED).string(key), revision).raw(END);
    }

    /** {@code {"success":true,"key":k}}: a check of a batch that held. */
    static JsonBody held(JsonBody json, byte[] key) {
        return json.raw(HELD).string(key).raw(END);
    }

    /**
     * {@code {"error":"precondition failed","key":k,"mod_revision":m}}: a PUT or DELETE refused by its condition;
     * {@code {"success":false,"error":"precondition failed","index":i,"key":k,"mod_revision":m}} for a batch (an
     * {@code index} of 0 or more).
     */
    static ByteBuf preconditionFailed(ByteBufAllocator alloc, int index, byte[] key, long modRevision) {
        JsonBody json = new JsonBody(alloc, key.length + 96);
        if (index >= 0) {
            json.raw(BATCH_REFUSED).number(index).raw(",\"key\":");
        } else {
            json.raw(REFUSED);
        }
        return json.string(key).raw(MOD_REVISION).number(modRevision).raw(END).done();
    }

    private static JsonBody revision(JsonBody json, long revision) {
        return revision >= 0 ? json.raw(REVISION).number(revision) : json;
    }

    /** {@code {"success":false,"deleted":false,"key":k,"error":"key not found"}}: a delete in a batch that found nothing. */
    static JsonBody notDeleted(JsonBody json, byte[] key) {
        return json.raw(NOT_DELETED).string(key).raw(NOT_FOUND_END);
    }

    /** Opens {@code {"success":true,"results":[}; the results follow, as the items of a {@link JsonList}. */
    static JsonBody results(JsonBody json) {
        return json.raw(RESULTS);
    }

    /** Closes what {@link #results} opened, with the batch's {@code "revision"}. */
    static JsonBody resultsEnd(JsonBody json, long revision) {
        return json.raw(RESULTS_END).number(revision).raw(END);
    }

    /**
     * {@code {"keys":[k,...],"revision":r}}: a listing, and the revision it reflects; with {@code "next":n} when
     * {@code next} is not null (a page).
     */
    static JsonBody keys(JsonBody json, List<byte[]> keys, byte[] next, long revision) {
        json.raw("{\"keys\":[");
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                json.raw(",");
            }
            json.string(keys.get(i));
        }
        return listingEnd(json, next, revision);
    }

    /**
     * {@code {"items":[{"key":k,"value":v,...},...],"revision":r}}: a listing with values (each item an
     * {@link #entry}), as it stood at {@code revision}; with {@code "next":n} when {@code next} is not null.
     */
    static JsonList items(List<Entry> entries, byte[] next, long revision, long nowMillis) {
        long size = 32;
        for (Entry e : entries) {
            size += entrySize(e.key().length, e.value().length);
        }
        return new JsonList(entries.size(), json -> json.raw("{\"items\":["),
                (json, i) -> entry(json, entries.get(i), nowMillis), json -> listingEnd(json, next, revision), size);
    }

    private static JsonBody listingEnd(JsonBody json, byte[] next, long revision) {
        json.raw("]").raw(REVISION).number(revision);
        if (next != null) {
            json.raw(",\"next\":").string(next);
        }
        return json.raw("}");
    }

    /** The size hint of {@link #keys}. */
    static int keysSize(List<byte[]> keys) {
        int size = 40;
        for (byte[] k : keys) {
            size += k.length + 3;
        }
        return size;
    }

    /** The body of {@code GET /stats}. */
    static JsonBody stats(JsonBody json, Engine.Stats s, long operations, double uptimeSeconds, String fsyncPolicy) {
        json.raw("{\"keys\":").number(s.keys())
                .raw(",\"total_keys\":").number(s.keys())
                .raw(",\"size_bytes\":").number(s.valueBytes())
                .raw(",\"total_operations\":").number(operations)
                .raw(",\"uptime_seconds\":").raw(String.format(Locale.ROOT, "%.3f", uptimeSeconds))
                .raw(",\"wal_bytes\":").number(s.logBytes())
                .raw(",\"wal_fsyncs\":").number(s.logSyncs())
                .raw(",\"compactions\":").number(s.compactions())
                .raw(",\"memory_bytes\":").number(s.memoryBytes())
                .raw(",\"max_memory_bytes\":").number(s.maxMemoryBytes());
        // A cluster member has no --fsync policy: its replicated log is fsynced before any acknowledgement.
        if (fsyncPolicy != null) {
            json.raw(",\"fsync\":").string(fsyncPolicy);
        }
        return json.raw("}");
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
                    .raw(",\"raft\":").string(m.raftAddress());
            Long match = status.matchIndexes().get(m.id());
            if (match != null) {
                json.raw(",\"match_index\":").number(match)
                        .raw(",\"lag\":").number(Math.max(0, status.commitIndex() - match));
            }
            json.raw(END);
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
