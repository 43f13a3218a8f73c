package kvstore.core.wal;

import kvstore.core.FatalHandler;
import kvstore.core.FsyncPolicy;
import kvstore.core.LogObserver;
import kvstore.core.WriteFailedException.Reason;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The single thread that owns the log: every write of the server passes through it. Like ZooKeeper's
 * {@code SyncRequestProcessor}: take the first task, drain whatever else is queued, decide the group (the
 * store's due expiries first, then each append's checks and revision), make it durable with one write and one
 * force and hand it on ({@link GroupCommit}; under everysec the once-a-second force runs on a
 * {@link BackgroundForce}), then let {@link Compaction} start or install a rewrite of the log
 * between two groups, and answer the {@link BetweenGroupRequests}. Under load the groups grow by themselves;
 * idle, one write pays one fsync, and every expiry tick a group of the entries due, if any, is logged.
 *
 * <p>Threading: {@link #submit}, {@link #compactNow}, {@link #close} and the figures may be called from any
 * thread; the {@link LogTaskQueue} is the only way in. Everything else, the group commit, the compaction state
 * and the open backup taps, belongs to the worker's thread.
 */
public final class LogWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogWorker.class);
    private static final int MAX_GROUP = 4096;
    private static final long EXPIRY_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(Store.EXPIRY_TICK_MILLIS);

    /** Any thread offers; the worker's thread takes. */
    private final LogTaskQueue queue = new LogTaskQueue();
    /** Worker thread only (its figures excepted). */
    private final GroupCommit group;
    /** Worker thread only (its count of compactions excepted). */
    private final Compaction compaction;
    /** Worker thread only: compact-now and backup taps, answered between two groups. */
    private final BetweenGroupRequests requests;
    /** How compaction hands the worker its snapshot: one predicate for the worker's life, none made per group. */
    private final Predicate<LogTask> offer = queue::offer;
    /** Worker thread only (see {@link BackgroundForce}): under everysec, the force runs on its thread. */
    private final BackgroundForce background = new BackgroundForce(offer);
    private final Thread thread = new Thread(this::run, "kvstore-wal-writer");
    /** Worker thread only: the group being handled. */
    private final List<LogTask> tasks = new ArrayList<>();

    LogWorker(GroupCommit group, Compaction compaction) {
        this.group = group;
        this.compaction = compaction;
        this.requests = new BetweenGroupRequests(group, compaction, offer);
    }

    /**
     * Opens the log in {@code directory} where replay left it (ending with a whole record) and builds the worker
     * over {@code store}, as replay left it too; {@link #start} it. A new log starts with the version mark, and so
     * does, now, a log that {@code --repair} cut ({@code repaired}): its mark carries the revision the store was
     * raised to, past the lines cut. The lines this kvstore appends to a log of an older {@code version} follow a
     * version mark too, written with the first of them. {@code observer} is told of every group appended, every
     * fsync, every expiry and every compaction.
     */
    public static LogWorker open(DataDirectory directory, Store store, int version, boolean repaired,
                                 FsyncPolicy fsync, CompactionPolicy compacting, FatalHandler fatalHandler,
                                 EpochClock clock, NanoClock nanoClock, LogObserver observer) throws IOException {
        LogFile file = LogFile.open(directory.resolve(WalFormat.FILE_NAME), LogFile.Opener.FILE);
        try {
            boolean older = version < WalFormat.VERSION;
            if (file.size() == 0 || repaired) {
                file.append(List.of(new WalEncoder().encodeVersionMark(store.revision())));
                file.force();
                directory.force();
                older = false;
            }
            GroupCommit group = new GroupCommit(file, older, fsync, store, clock, fatalHandler, nanoClock, observer);
            return new LogWorker(group, new Compaction(store, directory, compacting, clock, nanoClock, observer));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public void start() {
        thread.start();
    }

    /** Queues a unit (see {@link LogTask.Append}); once the log is closing it is refused at once. */
    public void submit(List<Op> ops, UnitLines lines, CompletableFuture<Outcome> done) {
        LogTask.Append append = new LogTask.Append(ops, lines, done);
        if (!queue.offer(append)) {
            GroupCommit.refuseAll(List.of(append), Reason.SHUTTING_DOWN, "the server is shutting down; nothing was written");
        }
    }

    /**
     * Queues several units at once, in order (see {@link LogTask.Append}), waking the worker once for them all; once
     * the log is closing they are refused at once.
     */
    public void submitAll(List<LogTask.Append> appends) {
        if (!appends.isEmpty() && !queue.offerAll(appends)) {
            GroupCommit.refuseAll(appends, Reason.SHUTTING_DOWN, "the server is shutting down; nothing was written");
        }
    }

    /**
     * Asks the worker to start a compaction now, whatever the log's size; completes with true once started, false
     * when one was already running, or exceptionally with a {@link kvstore.core.WriteFailedException} when the
     * log is closing.
     */
    public CompletableFuture<Boolean> compactNow() {
        return BetweenGroupRequests.compactNow(offer);
    }

    /**
     * Opens ({@code open} true) or closes {@code tap} between two groups: once the returned stage completes,
     * every write applied before it is in the store, and every later one until the tap closes is in the tap.
     */
    CompletableFuture<Void> tap(WriteTap tap, boolean open) {
        return BetweenGroupRequests.tap(offer, tap, open);
    }

    /** Fsyncs of the log since start: with group commit, far fewer than the writes. */
    public long syncs() {
        return group.syncs();
    }

    /** Current size of the log in bytes. */
    public long size() {
        return group.file().size();
    }

    /** Compactions finished since start. */
    public long compactions() {
        return compaction.completed();
    }

    /** Stops taking writes, finishes every write queued so far, forces and closes the log; waits at most 5 s. */
    @Override
    public void close() throws InterruptedException {
        close(TimeUnit.SECONDS.toMillis(5));
    }

    /** As {@link #close()}, waiting at most {@code timeoutMillis} for the queue to drain. */
    void close(long timeoutMillis) throws InterruptedException {
        queue.close();
        thread.join(timeoutMillis);
    }

    private void run() {
        try {
            boolean open = true;
            while (open) {
                LogTask first = nextTask();
                if (first == null) {
                    group.commit(List.of()); // the store's due entries, if any, expire while nothing is written
                    group.forceBetweenGroups(background);
                    continue;
                }
                tasks.add(first);
                queue.drainTo(tasks, MAX_GROUP - 1);
                open = handle(tasks);
                tasks.clear();
            }
            group.collectBackgroundForce(background, true);
            group.forceIfDirty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            group.fail("the WAL writer stopped unexpectedly: " + e, new IOException(e));
        } finally {
            background.close();
            refuseRemaining();
            closeQuietly(group.file());
        }
    }

    /**
     * The next task, or null when an everysec force (none running) or an expiry tick (while entries have
     * deadlines) is due.
     */
    private LogTask nextTask() throws InterruptedException {
        long force = background.running() ? -1 : group.nanosUntilForce();
        long tick = group.store().scheduledExpiries() > 0 ? EXPIRY_TICK_NANOS : -1;
        long wait = force < 0 ? tick : tick < 0 ? force : Math.min(force, tick);
        if (wait < 0) {
            return queue.take();
        }
        return wait == 0 ? null : queue.poll(wait);
    }

    /** Commits the group's appends, then handles compaction and requests; false once the group held the close. */
    private boolean handle(List<LogTask> batch) {
        assert Thread.currentThread() == thread;
        List<LogTask.Append> appends = new ArrayList<>(batch.size());
        LogTask.InstallSnapshot install = null;
        List<LogTask> asked = new ArrayList<>();
        boolean open = true;
        for (LogTask task : batch) {
            if (task instanceof LogTask.Append a) {
                appends.add(a);
            } else if (task instanceof LogTask.InstallSnapshot s) {
                install = s;
            } else if (task instanceof LogTask.SnapshotFailed f) {
                compaction.failed(f);
            } else if (task instanceof LogTask.Close) {
                open = false;
            } else if (!(task instanceof LogTask.Forced)) {
                asked.add(task);
            }
        }
        group.collectBackgroundForce(background, false); // a failed force refuses this group already
        group.commit(appends);
        requests.feedTaps(group);
        if (install != null && (group.hasFailed() || !open)) {
            install.snapshot().abandon();
        } else if (install != null) {
            group.collectBackgroundForce(background, true); // its file is retired once the new one is in place
            group.switchTo(compaction.install(install.snapshot(), group.file(), this.group::fail));
        } else if (open && !group.hasFailed()) {
            compaction.maybeStart(group.file(), offer);
        }
        for (LogTask request : asked) {
            requests.answer(request, open && !group.hasFailed());
        }
        return open;
    }

    private void refuseRemaining() {
        List<LogTask> rest = new ArrayList<>();
        queue.drainTo(rest);
        List<LogTask.Append> appends = new ArrayList<>();
        for (LogTask task : rest) {
            if (task instanceof LogTask.Append a) {
                appends.add(a);
            } else if (task instanceof LogTask.InstallSnapshot s) {
                s.snapshot().abandon();
            } else if (!(task instanceof LogTask.Forced)) {
                requests.answer(task, false);
            }
        }
        GroupCommit.refuseAll(appends, Reason.SHUTTING_DOWN, "the server is shutting down; nothing was written");
    }

    private static void closeQuietly(LogFile file) {
        try {
            file.close();
        } catch (IOException e) {
            log.warn("closing {} failed: {}", file.path(), e.toString());
        }
    }
}
