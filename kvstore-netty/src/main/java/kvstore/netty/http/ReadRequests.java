package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.Engine;
import kvstore.core.EntryPage;
import kvstore.core.Page;
import kvstore.core.store.Entry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The requests answered at once from memory, on the event loop: get, list, stats, health and the API document. */
final class ReadRequests {
    private static final byte[] OPENAPI = loadOpenApi();

    private final Engine db;
    private final String fsyncPolicy;
    /** Shared with {@link WriteRequests}, reported by {@link #stats}. */
    final OperationCount operations;
    private final long startNanos = System.nanoTime();

    ReadRequests(Engine db, String fsyncPolicy, OperationCount operations) {
        this.db = db;
        this.fsyncPolicy = fsyncPolicy;
        this.operations = operations;
    }

    /**
     * {@code GET /kv/{key}}: the value and figures, its entity tag the key's mod revision. The revision read before
     * the lookup, or the key's own when later, is one the answer reflects.
     */
    void get(Exchange ex, byte[] key) {
        operations.one();
        long revision = db.revision();
        Entry entry = db.get(key);
        if (entry == null) {
            ex.error(HttpResponseStatus.NOT_FOUND, Replies.NOT_FOUND, revision);
            return;
        }
        JsonBody body = Replies.entry(new JsonBody(ex.alloc(), Replies.entrySize(key.length, entry.value().length)),
                entry, db.now());
        ex.send(HttpResponseStatus.OK, body.done(), Math.max(revision, entry.modRevision()), entry.modRevision());
    }

    /**
     * {@code GET /kv}: a listing reflects every change up to the revision read before it; one with values is the
     * state at exactly its revision.
     */
    void list(Exchange ex, ListQuery query) {
        operations.one();
        int limit = query.paged() ? query.limit() : Integer.MAX_VALUE;
        if (query.values()) {
            EntryPage page = db.entries(query.prefix(), query.after(), limit);
            ex.ok(Replies.items(page.entries(), page.next(), page.revision(), db.now()), page.revision());
            return;
        }
        long revision = db.revision();
        if (!query.paged() && query.after() == null) {
            List<byte[]> keys = db.keys(query.prefix());
            ex.ok(Replies.keys(new JsonBody(ex.alloc(), Replies.keysSize(keys)), keys, null, revision), revision);
            return;
        }
        Page page = db.keys(query.prefix(), query.after(), limit);
        ex.ok(Replies.keys(new JsonBody(ex.alloc(), Replies.keysSize(page.keys())), page.keys(), page.next(),
                revision), revision);
    }

    void stats(Exchange ex) {
        Engine.Stats s = db.stats();
        double uptime = (System.nanoTime() - startNanos) / 1e9;
        ex.ok(Replies.stats(new JsonBody(ex.alloc(), 256), s, operations.total(), uptime, fsyncPolicy));
    }

    void health(Exchange ex) {
        ex.ok(Replies.health(ex.alloc()));
    }

    /** {@code GET /openapi.json}: the API description shipped in the jar, read once at start. */
    void openApi(Exchange ex) {
        ex.ok(new JsonBody(ex.alloc(), OPENAPI.length).raw(OPENAPI));
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = ReadRequests.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
