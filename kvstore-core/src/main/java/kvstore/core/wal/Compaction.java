package kvstore.core.wal;

import kvstore.core.CompactionProbe;
import kvstore.core.LogObserver;
import kvstore.core.store.Store;
import kvstore.core.store.Totals;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Rewrites the log as just the live entries once it has grown well past them, in the manner of Redis's AOF
 * rewrite. Between two groups the log worker asks {@link #maybeStart}; when due, a snapshot thread writes
 * the next log ({@link Snapshot}) and hands it back as a task; the worker then {@link #install}s it: appends
 * the log's bytes written since the snapshot began, fsyncs, renames the new file over {@code wal.log} and
 * fsyncs the directory. The snapshot is weakly consistent (a key written while it is taken shows one of its
 * values, as a whole unit left it), and replay of the writes carried over leaves alone each key the snapshot
 * already shows at or past their revision (see {@code Store.apply}), so the result is the state of the log. A crash before the rename leaves the old log (the
 * stale temporary file is deleted on open); after it, the new one, complete and fsynced.
 *
 * <p>Threading: all state here belongs to the log worker's thread; the snapshot thread reports back only by
 * queueing a task. {@link #completed} may be read from any thread.
 */
final class Compaction {
    static final Logger log = LoggerFactory.getLogger(Compaction.class);
    /** Rough bytes of a set line besides its key and value, to estimate the size of a compacted log. */
    private static final long LINE_OVERHEAD = 72;

    /** What the log worker does when the log can no longer be trusted. */
    @FunctionalInterface
    interface Failure {
        void fail(String message, IOException cause);
    }

    private final Store store;
    private final DataDirectory directory;
    private final CompactionPolicy policy;
    private final EpochClock clock;
    private final NanoClock nanoClock;
    private final LogObserver observer;
    private final AtomicLong completed = new AtomicLong();
    /** Writer thread only: a snapshot is being written or waits to be installed. */
    private boolean running;
    /** Writer thread only: after a failure, wait until the log has grown this much before trying again. */
    private long retryAbove;

    Compaction(Store store, DataDirectory directory, CompactionPolicy policy, EpochClock clock,
               NanoClock nanoClock, LogObserver observer) {
        this.store = store;
        this.directory = directory;
        this.policy = policy;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.observer = observer;
    }

    /** Compactions finished since start. */
    long completed() {
        return completed.get();
    }

    /** Whether a log of {@code logBytes} should be compacted now. */
    boolean isDue(long logBytes) {
        if (running || logBytes <= policy.minBytes() || logBytes <= retryAbove) {
            return false;
        }
        Totals totals = store.totals();
        long live = totals.keyBytes() + totals.valueBytes() + totals.keys() * LINE_OVERHEAD;
        return logBytes > policy.ratio() * live;
    }

    /**
     * Starts writing a snapshot on a thread of its own when {@code current} has grown enough; the thread
     * reports back through {@code enqueue}, which is false when the worker is closing and takes no more.
     */
    void maybeStart(LogFile current, Predicate<LogTask> enqueue) {
        if (isDue(current.size())) {
            start(current, enqueue);
        }
    }

    /**
     * Starts a compaction of {@code current} now, whatever its size (an operator asked for it); false when one
     * is already running.
     */
    boolean startNow(LogFile current, Predicate<LogTask> enqueue) {
        if (running) {
            return false;
        }
        start(current, enqueue);
        return true;
    }

    private void start(LogFile current, Predicate<LogTask> enqueue) {
        running = true;
        Snapshot.Start start = new Snapshot.Start(current.size(), store.revision(), nanoClock.nanos());
        Thread thread = new Thread(() -> {
            try {
                LogFile next = LogFile.create(directory.resolve(WalFormat.COMPACT_FILE_NAME));
                Snapshot snapshot = Snapshot.write(store, clock.millis(), next, start, policy.probe());
                if (!enqueue.test(new LogTask.InstallSnapshot(snapshot))) {
                    snapshot.abandon();
                }
            } catch (IOException | RuntimeException | Error e) {
                enqueue.test(new LogTask.SnapshotFailed(start, e));
            }
        }, "kvstore-compactor");
        thread.setDaemon(true);
        thread.start();
    }

    /** The snapshot thread failed: leave the log as it is and wait for it to grow before trying again. */
    void failed(LogTask.SnapshotFailed task) {
        log.warn("compaction failed, the log is left as it was: {}", task.cause().toString());
        giveUp(task.start());
    }

    /**
     * Carries the writes made since {@code snapshot} began over to it and renames it over the live log.
     * Returns the log to append to from now on: the new one, or {@code current} when the install failed before
     * the rename (the old log is then whole and untouched).
     */
    LogFile install(Snapshot snapshot, LogFile current, Failure failure) {
        long oldBytes = current.size();
        try {
            snapshot.file.appendFrom(current, snapshot.start.logBytes(), oldBytes);
            snapshot.file.force();
            policy.probe().reached(CompactionProbe.Point.BEFORE_RENAME);
            snapshot.file.renameOver(current.path());
        } catch (IOException e) {
            log.warn("compaction abandoned: {}", e.toString());
            snapshot.abandon();
            giveUp(snapshot.start);
            return current;
        }
        running = false;
        // From here the new file is the log: writes must go to it even if the rename turns out not durable.
        try {
            policy.probe().reached(CompactionProbe.Point.AFTER_RENAME);
            directory.force();
        } catch (IOException e) {
            // The old log, untouched, may be what a crash leaves under the name; nothing is acknowledged any more.
            failure.fail("cannot fsync the directory of " + current.path()
                    + " after compaction renamed the new log into place", e);
            closeQuietly(current);
            return snapshot.file;
        }
        completed.incrementAndGet();
        long nanos = nanoClock.nanos() - snapshot.start.nanos();
        observer.compacted(oldBytes, snapshot.file.size(), nanos);
        log.info("compacted {}: {} -> {} bytes ({} bytes of newer writes carried over) in {} ms", current.path(),
                oldBytes, snapshot.file.size(), oldBytes - snapshot.start.logBytes(),
                TimeUnit.NANOSECONDS.toMillis(nanos));
        LogRetirer.retire(current.channel());
        return snapshot.file;
    }

    private void giveUp(Snapshot.Start start) {
        running = false;
        retryAbove = start.logBytes() + policy.minBytes();
    }

    private static void closeQuietly(LogFile file) {
        try {
            file.close();
        } catch (IOException e) {
            log.warn("closing {} failed: {}", file.path(), e.toString());
        }
    }
}
