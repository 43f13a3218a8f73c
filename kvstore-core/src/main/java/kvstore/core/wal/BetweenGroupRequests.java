package kvstore.core.wal;

import kvstore.core.WriteFailedException;
import kvstore.core.WriteFailedException.Reason;
import kvstore.core.store.Entry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The requests the {@link LogWorker} answers between two groups, once the group they arrived with is
 * committed: start a compaction now ({@link LogTask.CompactNow}), open or close a backup tap
 * ({@link LogTask.Tap}); and the taps open now, given every later group's applied writes until they close.
 * Answered there, a request sees the store as the log has it: every write of an earlier group applied, none
 * of a later one.
 *
 * <p>Threading: any thread asks, through the static methods, which only queue a task; the rest, answering and
 * the open taps, belongs to the log worker's thread, like the {@link GroupCommit} and {@link Compaction} it uses.
 */
final class BetweenGroupRequests {
    private final GroupCommit group;
    private final Compaction compaction;
    /** How the compaction it starts hands its snapshot back to the worker. */
    private final Predicate<LogTask> offer;
    /** Worker thread only: the taps open now (see {@link WriteTap}), fed every group's applied writes. */
    private final List<WriteTap> taps = new ArrayList<>();

    BetweenGroupRequests(GroupCommit group, Compaction compaction, Predicate<LogTask> offer) {
        this.group = group;
        this.compaction = compaction;
        this.offer = offer;
    }

    /** Queues a {@link LogTask.CompactNow} through {@code offer}; refused at once when the log is closing. */
    static CompletableFuture<Boolean> compactNow(Predicate<LogTask> offer) {
        CompletableFuture<Boolean> started = new CompletableFuture<>();
        if (!offer.test(new LogTask.CompactNow(started))) {
            started.completeExceptionally(shuttingDown());
        }
        return started;
    }

    /** Queues a {@link LogTask.Tap} through {@code offer}; refused at once when the log is closing. */
    static CompletableFuture<Void> tap(Predicate<LogTask> offer, WriteTap tap, boolean open) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!offer.test(new LogTask.Tap(tap, open, done))) {
            done.completeExceptionally(shuttingDown());
        }
        return done;
    }

    /** Gives the open taps the keys {@code group} just changed, as the store now holds them. */
    void feedTaps(GroupCommit group) {
        if (taps.isEmpty()) {
            return;
        }
        for (byte[] key : group.changedKeys()) {
            Entry entry = group.store().get(key, Long.MIN_VALUE);
            for (WriteTap tap : taps) {
                tap.record(key, entry);
            }
        }
    }

    /**
     * Answers {@code request}, a {@link LogTask.CompactNow} or a {@link LogTask.Tap} (other tasks are not
     * requests and are left alone); {@code working} is false when the log is closing or has failed.
     */
    void answer(LogTask request, boolean working) {
        if (request instanceof LogTask.CompactNow c) {
            if (working) {
                c.started().complete(compaction.startNow(group.file(), offer));
            } else {
                c.started().completeExceptionally(shuttingDown());
            }
        } else if (request instanceof LogTask.Tap t) {
            if (!t.open()) {
                taps.remove(t.tap());
                t.tap().closed(group.store().revision());
                t.done().complete(null);
            } else if (working) {
                taps.add(t.tap());
                t.tap().opened(group.store().revision());
                t.done().complete(null);
            } else {
                t.done().completeExceptionally(shuttingDown());
            }
        }
    }

    private static WriteFailedException shuttingDown() {
        return new WriteFailedException(Reason.SHUTTING_DOWN, "the server is shutting down", null);
    }
}
