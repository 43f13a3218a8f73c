package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.Engine;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The requests that change the store: put, delete and batch. They are checked here on the event loop,
 * handed to the WAL writer, and answered through {@code ctx.executor()} once durable.
 */
final class WriteRequests {
    private final Engine db;
    private final LongAdder operations;

    WriteRequests(Engine db, LongAdder operations) {
        this.db = db;
        this.operations = operations;
    }

    /** Called on the event loop once a write's response has been written; it flushes. */
    @FunctionalInterface
    interface Done {
        void run();
    }

    void put(Exchange ex, byte[] key, byte[] body, Done done) throws BadRequestException {
        long now = db.now();
        Op.Set set = WriteBodies.put(key, body, now);
        submit(ex, List.of(set), now, done, results -> {
            byte[] value = set.entry().value();
            return new JsonBody(ex.alloc(), key.length + value.length + 64)
                    .raw("{\"success\":true,\"key\":").string(key).raw(",\"value\":").json(value)
                    .raw(",\"created\":").bool(!results.get(0).existed()).raw("}");
        });
    }

    void delete(Exchange ex, byte[] key, Done done) {
        submit(ex, List.of(new Op.Delete(key)), db.now(), done, results -> results.get(0).existed()
                ? new JsonBody(ex.alloc(), key.length + 48).raw("{\"success\":true,\"deleted\":true,\"key\":").string(key).raw("}")
                : null);
    }

    /** Runs a batch; returns false when it had no operations and was answered at once. */
    boolean batch(Exchange ex, byte[] body, Done done) throws BadRequestException {
        long now = db.now();
        List<Op> ops = WriteBodies.batch(body, now);
        if (ops.isEmpty()) {
            ex.ok(new JsonBody(ex.alloc(), 32).raw("{\"success\":true,\"results\":[]}"));
            return false;
        }
        submit(ex, ops, now, done, results -> {
            JsonBody json = new JsonBody(ex.alloc(), 64 * ops.size()).raw("{\"success\":true,\"results\":[");
            for (int i = 0; i < ops.size(); i++) {
                if (i > 0) {
                    json.raw(",");
                }
                result(json, ops.get(i), results.get(i));
            }
            return json.raw("]}");
        });
        return true;
    }

    private static void result(JsonBody json, Op op, OpResult result) {
        byte[] key = op.key();
        String notFound = ",\"error\":\"" + ReadRequests.NOT_FOUND + "\"}";
        if (op instanceof Op.Set) {
            json.raw("{\"success\":true,\"key\":").string(key).raw(",\"created\":").bool(!result.existed()).raw("}");
        } else if (op instanceof Op.Delete) {
            if (result.existed()) {
                json.raw("{\"success\":true,\"deleted\":true,\"key\":").string(key).raw("}");
            } else {
                json.raw("{\"success\":false,\"deleted\":false,\"key\":").string(key).raw(notFound);
            }
        } else if (result.existed()) {
            json.raw("{\"key\":").string(key).raw(",\"value\":").json(result.value()).raw("}");
        } else {
            json.raw("{\"key\":").string(key).raw(notFound);
        }
    }

    /** Builds the body of a write's 200 once it is logged and applied; null means 404 key not found. */
    @FunctionalInterface
    private interface Reply {
        JsonBody build(List<OpResult> results);
    }

    private void submit(Exchange ex, List<Op> ops, long now, Done done, Reply reply) {
        operations.add(ops.size());
        db.submit(ops, now).whenComplete((results, failure) -> {
            if (failure == null) {
                ex.ctx().executor().execute(() -> {
                    try {
                        JsonBody body = reply.build(results);
                        if (body == null) {
                            ex.error(HttpResponseStatus.NOT_FOUND, ReadRequests.NOT_FOUND);
                        } else {
                            ex.ok(body);
                        }
                    } catch (RuntimeException e) {
                        // Left unanswered, this request would hold up every later response of the connection.
                        ex.ctx().close();
                        throw e;
                    } finally {
                        // Reads of the connection wait for this write; they must go on even if answering failed.
                        done.run();
                    }
                });
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            HttpResponseStatus status = cause instanceof WriteFailedException w && isUnavailable(w.reason())
                    ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INSUFFICIENT_STORAGE;
            ex.ctx().executor().execute(() -> {
                try {
                    ex.error(status, cause.getMessage());
                } finally {
                    done.run();
                }
            });
        });
    }

    /** Failures that say nothing about storage: the server is stopping, or a cluster lacks a majority. */
    private static boolean isUnavailable(WriteFailedException.Reason reason) {
        return reason == WriteFailedException.Reason.SHUTTING_DOWN || reason == WriteFailedException.Reason.NO_QUORUM
                || reason == WriteFailedException.Reason.OUTCOME_UNKNOWN;
    }
}
