package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the HTTP layer needs from storage: point reads, listings and figures from memory, and writes that
 * complete once they are durable. {@link LocalEngine} is the single-node implementation.
 *
 * <p>Threading: every method may be called from any thread. Reads never wait for the disk. The stage
 * returned by {@link #submit} completes on an engine thread, so a caller that has work to do on its own
 * thread hands it over (the HTTP layer uses the connection's event loop).
 */
public interface Engine extends AutoCloseable {
    /**
     * Figures for {@code GET /stats}: live keys and value bytes, the data set's estimated memory and its ceiling,
     * and the log's size, fsyncs and compactions.
     */
    record Stats(long keys, long valueBytes, long memoryBytes, long maxMemoryBytes, long logBytes, long logSyncs,
                 long compactions) {
    }

    /** Wall-clock epoch milliseconds by the engine's clock: a write's TTL deadline is counted from it. */
    long now();

    /**
     * The store's revision now: the last change applied. Read before a lookup or a listing, it is a revision
     * the answer reflects every change up to.
     */
    long revision();

    /** The live entry of {@code key}, or null when it is absent or expired. */
    Entry get(byte[] key);

    /** The live keys starting with {@code prefix}, in unsigned UTF-8 byte order. */
    List<byte[]> keys(byte[] prefix);

    /**
     * At most {@code limit} live keys starting with {@code prefix} that sort strictly after {@code after} (null:
     * from the first), in unsigned UTF-8 byte order; costs time in proportion to the page, not to the store.
     */
    Page keys(byte[] prefix, byte[] after, int limit);

    /**
     * At most {@code limit} live entries whose keys start with {@code prefix} and sort strictly after {@code after}
     * (null: from the first), in unsigned UTF-8 key order, exactly as they stood at the page's revision.
     */
    EntryPage entries(byte[] prefix, byte[] after, int limit);

    /** Exact live figures, without changing anything. */
    Stats stats();

    /**
     * Decides, logs and applies {@code ops} as one atomic unit, stamped with {@code timestampMillis} (the time
     * their deadlines were computed from). Its checks are decided with the write, where it is applied: no other
     * write comes between. The stage completes with the unit's {@link Outcome} (its revision and one result per
     * operation, or the check that failed, nothing applied) once the write is durable under the configured policy
     * and applied, or exceptionally with a {@link WriteFailedException} that says why nothing is acknowledged.
     */
    CompletionStage<Outcome> submit(List<Op> ops, long timestampMillis);

    /**
     * A unit for {@link #submitAll}: {@code ops} stamped with {@code timestampMillis}, and {@code done}, completed
     * as {@link #submit}'s stage would be.
     */
    record Submission(List<Op> ops, long timestampMillis, CompletableFuture<Outcome> done) {
    }

    /**
     * Submits every unit of {@code units} as {@link #submit} would, in list order, handed over in one go: the
     * engine's writer wakes once for them all (the HTTP layer gathers the writes of one event-loop turn). The
     * list is not kept.
     */
    default void submitAll(List<Submission> units) {
        for (Submission unit : units) {
            submit(unit.ops(), unit.timestampMillis()).whenComplete((outcome, failure) -> {
                if (failure != null) {
                    unit.done().completeExceptionally(failure);
                } else {
                    unit.done().complete(outcome);
                }
            });
        }
    }

    /**
     * Starts a compaction of the log now, whatever its size. Completes with true once it has started, false when
     * one was already running, or exceptionally with a {@link WriteFailedException} when the engine is closing.
     */
    CompletionStage<Boolean> compactNow();

    /**
     * Writes a {@link Backup}: the data set as it stood at one instant between two writes, while writes go on.
     * Completes on an engine thread once the copy is whole; its reader then closes it.
     */
    CompletionStage<Backup> backup();

    /** Finishes the writes accepted so far and releases the data; later writes fail as shutting down. */
    @Override
    void close() throws IOException;
}
