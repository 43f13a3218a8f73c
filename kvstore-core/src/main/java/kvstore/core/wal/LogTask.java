package kvstore.core.wal;

import kvstore.core.store.Op;
import kvstore.core.store.Outcome;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the {@link LogWorker}'s queue carries: its one input, handled in arrival order on its thread. Public for
 * {@link Append}, which an engine builds to {@link LogWorker#submitAll} several at once; the others stay inside.
 */
public sealed interface LogTask {
    /**
     * A unit to decide, log and apply: {@code lines} are the log lines of {@code ops} up to the revision (none
     * for a batch of gets only); {@code done} completes with its outcome once it is durable and applied (or
     * refused by a check, or found to change nothing), or fails.
     */
    record Append(List<Op> ops, UnitLines lines, CompletableFuture<Outcome> done) implements LogTask {
    }

    /** The snapshot thread finished the next log: carry the newer writes over and install it. */
    record InstallSnapshot(Snapshot snapshot) implements LogTask {
    }

    /** The snapshot thread failed; its temporary file is already gone. */
    record SnapshotFailed(Snapshot.Start start, Throwable cause) implements LogTask {
    }

    /**
     * Start a compaction now, whatever the log's size: {@code started} completes with true, or false when one
     * is already running.
     */
    record CompactNow(CompletableFuture<Boolean> started) implements LogTask {
    }

    /**
     * Open ({@code open} true) or close {@code tap} after the group this task arrives with: it records the
     * writes of the groups in between. {@code done} completes once it is done, between two groups.
     */
    record Tap(WriteTap tap, boolean open, CompletableFuture<Void> done) implements LogTask {
    }

    /** The {@link BackgroundForce} ended: collect its outcome. */
    record Forced() implements LogTask {
    }

    /** Finish what is queued before this, force and close the log. */
    record Close() implements LogTask {
    }
}
