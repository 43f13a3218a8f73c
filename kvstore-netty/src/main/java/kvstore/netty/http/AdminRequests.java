package kvstore.netty.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import kvstore.core.Backup;
import kvstore.core.Engine;
import kvstore.core.WriteFailedException;

import java.io.IOException;
import java.util.concurrent.CompletionException;

/**
 * The operator's requests, answered once the engine has done its part on its own threads: {@code POST
 * /admin/compact} and {@code GET /backup}. Neither changes data, so neither holds up the connection's later
 * requests; their responses still go out in request order ({@link ResponseOrder}).
 */
final class AdminRequests {
    private static final String NDJSON = "application/x-ndjson";

    private final Engine db;

    AdminRequests(Engine db) {
        this.db = db;
    }

    /** {@code 202} once a compaction started, {@code 409} when one was already running. */
    void compact(Exchange ex) {
        db.compactNow().whenComplete((started, failure) -> ex.ctx().executor().execute(() -> {
            if (failure != null) {
                refused(ex, failure);
            } else if (started) {
                ex.send(HttpResponseStatus.ACCEPTED, Replies.compactionStarted(ex.alloc()), null);
            } else {
                ex.error(HttpResponseStatus.CONFLICT, Replies.COMPACTION_RUNNING);
            }
            ex.ctx().flush();
        }));
    }

    /** Streams a {@link Backup} once the engine has written it, then deletes it. */
    void backup(Exchange ex) {
        db.backup().whenComplete((backup, failure) -> {
            // Opening the file is disk work: done here, on the engine's thread, not on the event loop; reading it is
            // the stream's own thread's.
            BackupStream opened = null;
            Throwable problem = failure;
            if (failure == null) {
                try {
                    opened = BackupStream.open(backup);
                } catch (IOException | RuntimeException e) {
                    problem = e;
                }
            }
            BackupStream stream = opened;
            Throwable cause = problem;
            ex.ctx().executor().execute(() -> send(ex, stream, cause));
        });
    }

    private static void send(Exchange ex, BackupStream stream, Throwable failure) {
        try {
            if (failure != null) {
                refused(ex, failure);
            } else if (!ex.ctx().channel().isActive()) {
                stream.close();
            } else {
                stream.start(ex.ctx().channel());
                ex.stream(NDJSON, stream);
            }
        } catch (Exception e) {
            // Left unanswered, this request would hold up every later response of the connection.
            ex.ctx().close();
        } finally {
            ex.ctx().flush();
        }
    }

    /** Answers a request the engine could not serve, with the status its reason has for writes. */
    private static void refused(Exchange ex, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        HttpResponseStatus status = cause instanceof WriteFailedException w ? WriteRequests.status(w.reason())
                : HttpResponseStatus.INTERNAL_SERVER_ERROR;
        ex.error(status, String.valueOf(cause.getMessage()));
    }
}
