package kvstore.core.wal;

import kvstore.core.time.NanoClock;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Under {@link kvstore.core.FsyncPolicy#EVERYSEC}, the once-a-second force of the log on its own thread
 * ({@code kvstore-wal-fsync}), as Redis's background thread does for {@code appendfsync everysec}: forcing a
 * second's worth of writes can take tens of milliseconds, and on the log worker's thread every write arriving
 * meanwhile waited for it, which made the everysec tail worse than fsync always. The writes go on while it runs;
 * the force covers at least what was appended before it started.
 *
 * <p>At most one force is in flight. When it ends it offers a {@link LogTask.Forced} to wake the worker, which
 * then {@link #collect}s its outcome on its own thread (a failed force is fatal there, as on the worker).
 *
 * <p>Threading: {@link #start}, {@link #running}, {@link #collect} and {@link #awaitAndCollect} belong to the
 * log worker's thread; the force itself runs on the background thread.
 */
final class BackgroundForce implements AutoCloseable {
    /** How a force ended: how long it took, or why it failed. */
    record Outcome(long nanos, IOException failure) {
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "kvstore-wal-fsync");
        t.setDaemon(true);
        return t;
    });
    /** How the thread wakes the worker when a force ends; false once the worker's queue is closing. */
    private final Predicate<LogTask> offer;
    /** Worker thread only: the force in flight or not yet collected, else null. */
    private CompletableFuture<Outcome> inFlight;

    BackgroundForce(Predicate<LogTask> offer) {
        this.offer = offer;
    }

    /** Whether a force was started and not collected yet. */
    boolean running() {
        return inFlight != null;
    }

    /**
     * Forces {@code file} on the background thread, timed by {@code nanoClock}; the caller has checked that none
     * is {@link #running}.
     */
    void start(LogFile file, NanoClock nanoClock) {
        inFlight = CompletableFuture.supplyAsync(() -> {
            long start = nanoClock.nanos();
            IOException failure = null;
            try {
                file.forceFromAnotherThread();
            } catch (IOException e) {
                failure = e;
            }
            return new Outcome(nanoClock.nanos() - start, failure);
        }, thread);
        // Offered once the outcome is set, so that the worker it wakes finds it done.
        inFlight.whenComplete((outcome, e) -> offer.test(new LogTask.Forced()));
    }

    /** The outcome of the force started, once it has ended; null while it runs or when none was started. */
    Outcome collect() {
        if (inFlight == null || !inFlight.isDone()) {
            return null;
        }
        return awaitAndCollect();
    }

    /** Waits for the force in flight, if any, and returns its outcome (null when there was none). */
    Outcome awaitAndCollect() {
        if (inFlight == null) {
            return null;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return inFlight.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the force must be accounted for before the log is switched or closed
                }
            }
        } catch (ExecutionException e) {
            return new Outcome(0, new IOException("the background fsync failed unexpectedly", e.getCause()));
        } finally {
            inFlight = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the thread once the force in flight, if any, has ended. */
    @Override
    public void close() {
        thread.shutdown();
    }
}
