package kvstore.core.wal;

import kvstore.core.FatalHandler;
import kvstore.core.FsyncPolicy;
import kvstore.core.LogObserver;
import kvstore.core.RateLimitedLog;
import kvstore.core.WriteFailedException;
import kvstore.core.WriteFailedException.Reason;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One group of appends made durable and handed on: decide it ({@link GroupPlan}: expiries due, checks,
 * revisions), write its lines with one write, force once (under {@link FsyncPolicy#ALWAYS}), apply it to the
 * store and complete its appends, in log order. Holds the log's failure policy, written where it acts: a write that fails (disk full) is cut back off the file and its
 * group is refused as {@link Reason#NOT_STORED}, and later writes are tried again; a failed fsync is fatal
 * (retrying one can report success for data that is gone): the {@link FatalHandler} is told and nothing is
 * acknowledged any more. Under {@link FsyncPolicy#EVERYSEC} the force runs on a {@link BackgroundForce}.
 *
 * <p>Threading: belongs to the {@link LogWorker}'s thread; {@link #syncs} and {@link #file}'s size may be
 * read from any thread.
 */
final class GroupCommit {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final long EVERYSEC_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SLOW_FSYNC_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final FsyncPolicy policy;
    private final Store store;
    private final EpochClock clock;
    /** Reused group after group. */
    private final GroupPlan plan;
    private final FatalHandler fatalHandler;
    private final NanoClock nanoClock;
    private final LogObserver observer;
    /** A full disk refuses every write, thousands a second: its warning is logged once per interval with a count. */
    private final RateLimitedLog warnings;
    private final AtomicLong syncs = new AtomicLong();
    private volatile LogFile file;
    private boolean failed;
    private long lastForceNanos;

    GroupCommit(LogFile file, FsyncPolicy policy, Store store, EpochClock clock, FatalHandler fatalHandler,
                NanoClock nanoClock, LogObserver observer) {
        this(file, false, policy, store, clock, fatalHandler, nanoClock, observer);
    }

    /**
     * As above, on a log whose lines are of an older version when {@code olderLog}: the first group written then
     * starts with a version mark.
     */
    GroupCommit(LogFile file, boolean olderLog, FsyncPolicy policy, Store store, EpochClock clock,
                FatalHandler fatalHandler, NanoClock nanoClock, LogObserver observer) {
        this.file = file;
        this.policy = policy;
        this.store = store;
        this.clock = clock;
        this.plan = new GroupPlan(store, olderLog);
        this.fatalHandler = fatalHandler;
        this.nanoClock = nanoClock;
        this.observer = observer;
        this.warnings = new RateLimitedLog(log, nanoClock);
        this.lastForceNanos = nanoClock.nanos();
    }

    /** The log appended to. */
    LogFile file() {
        return file;
    }

    /** Appends go to {@code next} from now on (compaction installed it). */
    void switchTo(LogFile next) {
        file = next;
    }

    /** Whether the log has failed for good. */
    boolean hasFailed() {
        return failed;
    }

    long syncs() {
        return syncs.get();
    }

    /** Under everysec, nanoseconds until the dirty log is due for a force (0 or less: now); else -1, none due. */
    long nanosUntilForce() {
        if (policy != FsyncPolicy.EVERYSEC || !file.isDirty()) {
            return -1;
        }
        return Math.max(0, EVERYSEC_NANOS - (nanoClock.nanos() - lastForceNanos));
    }

    /**
     * Commits {@code appends} (possibly none: a group of the store's due expiries alone), at the clock's time now:
     * every entry due by then is expired first, so no append meets a key past its deadline.
     */
    void commit(List<LogTask.Append> appends) {
        if (failed) {
            refuseAll(appends, Reason.LOG_FAILED, "the log failed earlier and takes no more writes; nothing was written");
            return;
        }
        plan.decide(appends, clock.millis());
        List<byte[]> lines = plan.lines();
        if (!lines.isEmpty() && !write(appends, lines)) {
            return;
        }
        if (plan.expiryCount() > 0) {
            plan.applyExpiries();
            observer.expired(plan.expiryCount());
        }
        for (int i = 0; i < appends.size(); i++) {
            LogTask.Append a = appends.get(i);
            Outcome outcome;
            try {
                outcome = plan.apply(i, a.ops());
            } catch (RuntimeException e) {
                log.error("applying a logged write failed", e);
                a.done().completeExceptionally(new WriteFailedException(Reason.LOG_FAILED,
                        "internal error after the write was logged: " + e, e));
                continue;
            }
            a.done().complete(outcome);
        }
    }

    /** Writes the group's lines and forces them as the policy says; false when the group was refused. */
    private boolean write(List<LogTask.Append> appends, List<byte[]> lines) {
        long before = file.size();
        long start = nanoClock.nanos();
        try {
            file.append(lines);
        } catch (IOException e) {
            cutBack(before, e);
            plan.abandon();
            refuseAll(appends, Reason.NOT_STORED,
                    "the write could not be stored in the log: " + e.getMessage() + "; nothing was written");
            return false;
        }
        plan.written();
        observer.appended(appends.size(), file.size() - before, nanoClock.nanos() - start);
        // Under everysec the force comes from the worker's loop, once a second while the log is dirty.
        if (policy == FsyncPolicy.ALWAYS && file.isDirty() && !force()) {
            refuseAll(appends, Reason.LOG_FAILED,
                    "fsync failed, so the write may or may not survive a restart; the server is stopping");
            return false;
        }
        return true;
    }

    /** The keys the last group changed, in log order. */
    List<byte[]> changedKeys() {
        return plan.changedKeys();
    }

    /** The store the groups are applied to. */
    Store store() {
        return store;
    }

    void forceIfDirty() {
        if (!failed && file.isDirty()) {
            force();
        }
    }

    /**
     * Between two groups, when a force is due (or an expiry tick came): forces a dirty log, under everysec on
     * {@code background}'s thread, so that the writes arriving meanwhile are not held up by it; none is started
     * while the last one still runs.
     */
    void forceBetweenGroups(BackgroundForce background) {
        if (failed || !file.isDirty()) {
            return;
        }
        if (policy != FsyncPolicy.EVERYSEC) {
            force();
        } else if (!background.running()) {
            file.markForcing();
            lastForceNanos = nanoClock.nanos(); // the next force is due a second after this one started
            background.start(file, nanoClock);
        }
    }

    /**
     * Counts the force {@code background} ran once it has ended (waiting for it when {@code await}, as before
     * the log is switched or closed); a failed one fails the log for good, as a force on this thread would.
     */
    void collectBackgroundForce(BackgroundForce background, boolean await) {
        BackgroundForce.Outcome outcome = await ? background.awaitAndCollect() : background.collect();
        if (outcome == null) {
            return;
        }
        if (outcome.failure() != null) {
            if (!failed) {
                fail("fsync of " + file.path() + " failed; retrying it could report success for data that is gone",
                        outcome.failure());
            }
            return;
        }
        forced(outcome.nanos());
    }

    /** The log can no longer be trusted: refuse every later write and tell the fatal handler. */
    void fail(String message, IOException cause) {
        failed = true;
        log.error(message, cause);
        fatalHandler.fatal(message, cause);
    }

    /** Refuses {@code appends} with {@code reason}; nothing of them is logged. */
    static void refuseAll(List<LogTask.Append> appends, Reason reason, String message) {
        WriteFailedException cause = new WriteFailedException(reason, message, null);
        for (LogTask.Append a : appends) {
            a.done().completeExceptionally(cause);
        }
    }

    /** Forces the log; false (and fatal) when the fsync failed. */
    private boolean force() {
        long start = nanoClock.nanos();
        try {
            file.force();
        } catch (IOException e) {
            fail("fsync of " + file.path() + " failed; retrying it could report success for data that is gone", e);
            return false;
        }
        lastForceNanos = nanoClock.nanos();
        forced(lastForceNanos - start);
        return true;
    }

    private void forced(long nanos) {
        syncs.incrementAndGet();
        observer.forced(nanos);
        if (nanos > SLOW_FSYNC_NANOS) {
            warnings.warn("slow fsync of {}: {} ms", file.path(), TimeUnit.NANOSECONDS.toMillis(nanos));
        }
    }

    /** Cuts a partly written group off the file, so the log ends with a whole record again. */
    private void cutBack(long before, IOException cause) {
        warnings.warn("cannot write to {}: {}; the write is refused and the log cut back to {} bytes",
                file.path(), cause.getMessage(), before);
        try {
            file.cutBack(before);
        } catch (IOException e) {
            fail("cannot cut " + file.path() + " back after a failed write; it may end with a partial record", e);
        }
    }
}
