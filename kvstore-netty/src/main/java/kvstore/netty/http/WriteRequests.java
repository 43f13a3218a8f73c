package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import kvstore.core.Engine;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests that change the store: put, delete and batch. They are checked here on the event loop,
 * handed to the engine at the end of the loop's turn with the others started in it ({@link WriteHandOff}), and
 * answered on the event loop (through {@code ctx.executor()}) once durable.
 */
final class WriteRequests {
    private final Engine db;
    private final OperationCount operations;
    /** One per event loop that started a write: each loop's writes of a turn go to the engine together. */
    private final Map<EventExecutor, WriteHandOff> handOffs = new ConcurrentHashMap<>();

    WriteRequests(Engine db, OperationCount operations) {
        this.db = db;
        this.operations = operations;
    }

    /** {@code PUT /kv/{key}}, behind the checks of its {@code If-Match} / {@code If-None-Match} headers. */
    void put(Exchange ex, byte[] key, byte[] body, RequestOrder order) throws BadRequestException {
        long now = db.now();
        Op.Set set = WriteBodies.put(key, body, now);
        List<Op> ops = Preconditions.guard(ex.request().headers(), key, set);
        submit(ex, ops, 1, now, order, false, outcome -> {
            byte[] value = set.entry().value();
            boolean created = !outcome.results().get(ops.size() - 1).existed();
            return Replies.stored(new JsonBody(ex.alloc(), key.length + value.length + 80), key, value, created,
                    outcome.revision());
        });
    }

    /** {@code DELETE /kv/{key}}, behind the checks of its {@code If-Match} / {@code If-None-Match} headers. */
    void delete(Exchange ex, byte[] key, RequestOrder order) throws BadRequestException {
        List<Op> ops = Preconditions.guard(ex.request().headers(), key, new Op.Delete(key));
        submit(ex, ops, 1, db.now(), order, false, outcome -> outcome.results().get(ops.size() - 1).existed()
                ? Replies.deleted(new JsonBody(ex.alloc(), key.length + 64), key, outcome.revision())
                : null);
    }

    /** Runs a batch; one with no operations is answered at once, without the engine. */
    void batch(Exchange ex, byte[] body, RequestOrder order) throws BadRequestException {
        long now = db.now();
        List<Op> ops = WriteBodies.batch(body, now);
        if (ops.isEmpty()) {
            long revision = db.revision();
            ex.ok(Replies.resultsEnd(Replies.results(new JsonBody(ex.alloc(), 48)), revision), revision);
            return;
        }
        submit(ex, ops, ops.size(), now, order, true, outcome -> {
            JsonBody json = Replies.results(new JsonBody(ex.alloc(), 64 * ops.size()));
            for (int i = 0; i < ops.size(); i++) {
                if (i > 0) {
                    Replies.nextResult(json);
                }
                result(json, ops.get(i), outcome.results().get(i));
            }
            return Replies.resultsEnd(json, outcome.revision());
        });
    }

    private static void result(JsonBody json, Op op, OpResult result) {
        byte[] key = op.key();
        if (op instanceof Op.Set) {
            Replies.stored(json, key, null, !result.existed(), -1);
        } else if (op instanceof Op.Delete) {
            if (result.existed()) {
                Replies.deleted(json, key, -1);
            } else {
                Replies.notDeleted(json, key);
            }
        } else if (op instanceof Op.Check) {
            Replies.held(json, key);
        } else if (result.existed()) {
            Replies.entry(json, key, result.value(), result.createRevision(), result.modRevision(), result.version(),
                    -1);
        } else {
            Replies.missing(json, key);
        }
    }

    /** The status of a write the engine refused: the one place each reason gets its status. */
    static HttpResponseStatus status(WriteFailedException.Reason reason) {
        return switch (reason) {
            case SHUTTING_DOWN, NO_QUORUM, OUTCOME_UNKNOWN -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            case NOT_STORED, LOG_FAILED, MEMORY_LIMIT -> HttpResponseStatus.INSUFFICIENT_STORAGE;
            case TOO_LARGE -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        };
    }

    /** Builds the body of a write's 200 once it is logged and applied; null means 404 key not found. */
    @FunctionalInterface
    private interface Reply {
        JsonBody build(Outcome outcome);
    }

    /**
     * Submits {@code ops}, counted as {@code counted} operations; the answer reflects the unit's revision. A
     * refusal by a check is a 412, naming the check's position in a {@code batch}.
     */
    private void submit(Exchange ex, List<Op> ops, int counted, long now, RequestOrder order, boolean batch,
                        Reply reply) {
        operations.add(counted);
        CompletableFuture<Outcome> written = new CompletableFuture<>();
        handOffs.computeIfAbsent(ex.ctx().executor(), loop -> new WriteHandOff(db, loop))
                .add(new Engine.Submission(ops, now, written));
        long started = order.writeStarted();
        written.whenComplete((outcome, failure) ->
                ex.ctx().executor().execute(() -> answer(ex, order, started, reply, batch, outcome, failure)));
    }

    /** On the event loop: answers the write, then lets the requests that waited for it go on, and flushes. */
    private static void answer(Exchange ex, RequestOrder order, long started, Reply reply, boolean batch,
                               Outcome outcome, Throwable failure) {
        try {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                ex.error(cause instanceof WriteFailedException w ? status(w.reason())
                        : HttpResponseStatus.INSUFFICIENT_STORAGE, cause.getMessage());
                return;
            }
            if (outcome.isRefused()) {
                Outcome.Refusal refusal = outcome.refusal();
                ex.send(HttpResponseStatus.PRECONDITION_FAILED, Replies.preconditionFailed(ex.alloc(),
                        batch ? refusal.index() : -1, refusal.key(), refusal.modRevision()),
                        outcome.revision(), Responses.NONE);
                return;
            }
            JsonBody body = reply.build(outcome);
            if (body == null) {
                ex.error(HttpResponseStatus.NOT_FOUND, Replies.NOT_FOUND, outcome.revision());
            } else {
                ex.ok(body, outcome.revision());
            }
        } catch (RuntimeException e) {
            // Left unanswered, this request would hold up every later response of the connection.
            ex.ctx().close();
            throw e;
        } finally {
            // Reads of the connection wait for this write; they must go on even if answering failed.
            order.writeFinished(started);
            ex.ctx().flush();
        }
    }
}
