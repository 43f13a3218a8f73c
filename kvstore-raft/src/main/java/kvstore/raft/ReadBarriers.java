package kvstore.raft;

import kvstore.core.WriteFailedException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The barriers of linearizable reads, shared. One barrier (a ReadIndex round) is on its way at a time; every
 * read that arrives meanwhile waits for the next one, which starts as soon as the current one returns, so one
 * round serves all the reads that came in during the previous one. A barrier that started before a read
 * arrived never serves it: it might not cover a write acknowledged just before the read.
 *
 * <p>Threads: {@link #await} from any thread; barriers complete on Ratis's threads or the engine's timer,
 * which start the next one. {@code waiting} and {@code inFlight} are guarded by {@code this}; futures are
 * completed outside the lock.
 */
final class ReadBarriers {
    /** One barrier: completes once this member has applied everything committed when it started. */
    interface Barrier {
        CompletableFuture<Void> run(long deadline);
    }

    private record Waiting(CompletableFuture<Void> done, long deadline) {
    }

    private final Barrier barrier;
    private final long timeoutNanos;
    private final LongSupplier nanoTime;
    private List<Waiting> waiting = new ArrayList<>();
    private boolean inFlight;

    ReadBarriers(Barrier barrier, long timeoutMillis, LongSupplier nanoTime) {
        this.barrier = barrier;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.nanoTime = nanoTime;
    }

    /** Completes once a barrier that started after this call has returned; fails with {@code NO_QUORUM} in time. */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<Waiting> round;
        synchronized (this) {
            waiting.add(new Waiting(done, nanoTime.getAsLong() + timeoutNanos));
            if (inFlight) {
                return done;
            }
            inFlight = true;
            round = takeWaiting();
        }
        start(round);
        return done;
    }

    private List<Waiting> takeWaiting() {
        List<Waiting> round = waiting;
        waiting = new ArrayList<>();
        return round;
    }

    private void start(List<Waiting> round) {
        while (true) {
            List<Waiting> live = withoutExpired(round);
            if (!live.isEmpty()) {
                run(live);
                return;
            }
            synchronized (this) {
                if (waiting.isEmpty()) {
                    inFlight = false;
                    return;
                }
                round = takeWaiting();
            }
        }
    }

    private void run(List<Waiting> round) {
        // The oldest read's deadline: none of them waits longer than the timeout in all.
        barrier.run(round.get(0).deadline()).whenComplete((ok, failure) -> {
            for (Waiting w : round) {
                if (failure == null) {
                    w.done().complete(null);
                } else {
                    w.done().completeExceptionally(failure);
                }
            }
            List<Waiting> next;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    inFlight = false;
                    return;
                }
                next = takeWaiting();
            }
            start(next);
        });
    }

    /** Fails the reads whose time ran out while they waited for a round; returns the others. */
    private List<Waiting> withoutExpired(List<Waiting> round) {
        long now = nanoTime.getAsLong();
        List<Waiting> live = new ArrayList<>(round.size());
        for (Waiting w : round) {
            if (now - w.deadline() >= 0) {
                w.done().completeExceptionally(noQuorum());
            } else {
                live.add(w);
            }
        }
        return live;
    }

    static WriteFailedException noQuorum() {
        return new WriteFailedException(WriteFailedException.Reason.NO_QUORUM, "no quorum", null);
    }
}
