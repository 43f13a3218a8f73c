package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.Engine;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The requests that change the store: put, delete and batch. They are checked here on the event loop,
 * handed to the engine, and answered on the event loop (through {@code ctx.executor()}) once durable.
 */
final class WriteRequests {
    private final Engine db;
    private final OperationCount operations;

    WriteRequests(Engine db, OperationCount operations) {
        this.db = db;
        this.operations = operations;
    }

    void put(Exchange ex, byte[] key, byte[] body, RequestOrder order) throws BadRequestException {
        long now = db.now();
        Op.Set set = WriteBodies.put(key, body, now);
        submit(ex, List.of(set), now, order, results -> {
            byte[] value = set.entry().value();
            return Replies.stored(new JsonBody(ex.alloc(), key.length + value.length + 64),
                    key, value, !results.get(0).existed());
        });
    }

    void delete(Exchange ex, byte[] key, RequestOrder order) {
        submit(ex, List.of(new Op.Delete(key)), db.now(), order, results -> results.get(0).existed()
                ? Replies.deleted(new JsonBody(ex.alloc(), key.length + 48), key)
                : null);
    }

    /** Runs a batch; one with no operations is answered at once, without the engine. */
    void batch(Exchange ex, byte[] body, RequestOrder order) throws BadRequestException {
        long now = db.now();
        List<Op> ops = WriteBodies.batch(body, now);
        if (ops.isEmpty()) {
            ex.ok(Replies.resultsEnd(Replies.results(new JsonBody(ex.alloc(), 32))));
            return;
        }
        submit(ex, ops, now, order, results -> {
            JsonBody json = Replies.results(new JsonBody(ex.alloc(), 64 * ops.size()));
            for (int i = 0; i < ops.size(); i++) {
                if (i > 0) {
                    Replies.nextResult(json);
                }
                result(json, ops.get(i), results.get(i));
            }
            return Replies.resultsEnd(json);
        });
    }

    private static void result(JsonBody json, Op op, OpResult result) {
        byte[] key = op.key();
        if (op instanceof Op.Set) {
            Replies.stored(json, key, null, !result.existed());
        } else if (op instanceof Op.Delete) {
            if (result.existed()) {
                Replies.deleted(json, key);
            } else {
                Replies.notDeleted(json, key);
            }
        } else if (result.existed()) {
            Replies.entry(json, key, result.value());
        } else {
            Replies.missing(json, key);
        }
    }

    /** The status of a write the engine refused: the one place each reason gets its status. */
    static HttpResponseStatus status(WriteFailedException.Reason reason) {
        return switch (reason) {
            case SHUTTING_DOWN, NO_QUORUM, OUTCOME_UNKNOWN -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case NOT_STORED, LOG_FAILED, MEMORY_LIMIT -> HttpResponseStatus.INSUFFICIENT_STORAGE;
        };
    }

    /** Builds the body of a write's 200 once it is logged and applied; null means 404 key not found. */
    @FunctionalInterface
    private interface Reply {
        JsonBody build(List<OpResult> results);
    }

    private void submit(Exchange ex, List<Op> ops, long now, RequestOrder order, Reply reply) {
        operations.add(ops.size());
        CompletionStage<Outcome> written = db.submit(ops, now);
        order.writeStarted();
        written.whenComplete((outcome, failure) ->
                ex.ctx().executor().execute(() -> answer(ex, order, reply, outcome, failure)));
    }

    /** On the event loop: answers the write, then lets the requests that waited for it go on, and flushes. */
    private static void answer(Exchange ex, RequestOrder order, Reply reply, Outcome outcome, Throwable failure) {
        try {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                ex.error(cause instanceof WriteFailedException w ? status(w.reason())
                        : HttpResponseStatus.INSUFFICIENT_STORAGE, cause.getMessage());
                return;
            }
            JsonBody body = reply.build(outcome.results());
            if (body == null) {
                ex.error(HttpResponseStatus.NOT_FOUND, Replies.NOT_FOUND);
            } else {
                ex.ok(body);
            }
        } catch (RuntimeException e) {
            // Left unanswered, this request would hold up every later response of the connection.
            ex.ctx().close();
            throw e;
        } finally {
            // Reads of the connection wait for this write; they must go on even if answering failed.
            order.writeFinished();
            ex.ctx().flush();
        }
    }

    /** Failures that say nothing about storage: the server is stopping, or a cluster lacks a majority. */
}
