package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.Engine;
import kvstore.core.store.Entry;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/** The requests answered at once from memory, on the event loop: get, list, stats and health. */
final class ReadRequests {
    static final String NOT_FOUND = "key not found";
    private static final byte[] KEY = ascii("{\"key\":");
    private static final byte[] VALUE = ascii(",\"value\":");
    private static final byte[] END = ascii("}");
    private static final byte[] HEALTHY = ascii("{\"status\":\"ok\"}");

    private final Engine db;
    private final String fsyncPolicy;
    /** Every get, list and put, delete or batch operation served: {@code total_operations}. */
    final LongAdder operations = new LongAdder();
    private final long startNanos = System.nanoTime();

    ReadRequests(Engine db, String fsyncPolicy) {
        this.db = db;
        this.fsyncPolicy = fsyncPolicy;
    }

    void get(Exchange ex, byte[] key) {
        operations.increment();
        Entry entry = db.get(key);
        if (entry == null) {
            ex.error(HttpResponseStatus.NOT_FOUND, NOT_FOUND);
            return;
        }
        byte[] value = entry.value();
        ex.ok(new JsonBody(ex.alloc(), key.length + value.length + 24)
                .raw(KEY).string(key).raw(VALUE).json(value).raw(END));
    }

    void list(Exchange ex, byte[] prefix) {
        operations.increment();
        List<byte[]> keys = db.keys(prefix);
        int size = 16;
        for (byte[] k : keys) {
            size += k.length + 3;
        }
        JsonBody json = new JsonBody(ex.alloc(), size).raw("{\"keys\":[");
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
                json.raw(",");
            }
            json.string(keys.get(i));
        }
        ex.ok(json.raw("]}"));
    }

    void stats(Exchange ex) {
        Engine.Stats s = db.stats();
        double uptime = (System.nanoTime() - startNanos) / 1e9;
        ex.ok(new JsonBody(ex.alloc(), 256)
                .raw("{\"keys\":").number(s.keys())
                .raw(",\"total_keys\":").number(s.keys())
                .raw(",\"size_bytes\":").number(s.valueBytes())
                .raw(",\"total_operations\":").number(operations.sum())
                .raw(",\"uptime_seconds\":").raw(String.format(Locale.ROOT, "%.3f", uptime))
                .raw(",\"wal_bytes\":").number(s.logBytes())
                .raw(",\"wal_fsyncs\":").number(s.logSyncs())
                .raw(",\"compactions\":").number(s.compactions())
                .raw(",\"fsync\":").string(fsyncPolicy)
                .raw("}"));
    }

    void health(Exchange ex) {
        ex.ok(new JsonBody(ex.alloc(), HEALTHY.length).raw(HEALTHY));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
