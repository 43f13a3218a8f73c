package kvstore.core.watch;

import kvstore.core.store.Change;
import kvstore.core.store.ChangeListener;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The store's changes for watchers: a {@link ChangeListener} that keeps the last changes applied
 * ({@link Settings#history} at least) and opens {@link Watcher}s that read them from a revision on.
 *
 * <p>The applying thread only appends to the shared history and wakes the threads that serve watchers, each once
 * per burst ({@link Wakeup}); it never does anything per watcher, so any number of watchers, slow ones included,
 * costs writers nothing more. Each watcher pulls from the history by its own cursor on its own thread.
 *
 * <p>The history holds the changes themselves: the keys and new values of the last {@code history} changes, plus
 * about 100 bytes each for the change, its slot and its encoded event once a watcher has sent it.
 *
 * <p>Threads: {@link #applied} and {@link #loaded} on the applying thread (one at a time); everything else from
 * any thread.
 */
public final class WatchHub implements ChangeListener {
    /**
     * How watches behave.
     *
     * @param history the hub keeps at least this many of the latest changes (whole revisions)
     * @param bufferBytes a watcher whose unsent events pass this many bytes is cut off
     * @param progressMillis a watcher that was sent nothing for this long is sent a progress event
     */
    public record Settings(int history, long bufferBytes, long progressMillis) {
        public static final int DEFAULT_HISTORY = 100_000;
        public static final long DEFAULT_BUFFER_BYTES = 1L << 20;
        public static final long DEFAULT_PROGRESS_MILLIS = 10_000;
        /** The defaults: 100,000 changes, 1 MiB, 10 s. */
        public static final Settings DEFAULTS = new Settings(DEFAULT_HISTORY, DEFAULT_BUFFER_BYTES,
                DEFAULT_PROGRESS_MILLIS);

        public Settings {
            if (history < 1 || bufferBytes < 1 || progressMillis < 1) {
                throw new IllegalArgumentException("watch settings must be positive: " + history + ", "
                        + bufferBytes + ", " + progressMillis);
            }
        }
    }

    private final History history;
    private final Settings settings;
    private final EventFormat format;
    private final EpochClock clock;
    private final NanoClock nanoClock;
    private final CopyOnWriteArrayList<Wakeup> wakeups = new CopyOnWriteArrayList<>();
    /** A change as an event, for {@link History.Cursor#event}: one function for every watcher. */
    final Function<Change, byte[]> encode;

    public WatchHub(Settings settings, EventFormat format, EpochClock clock, NanoClock nanoClock) {
        this.history = new History(settings.history());
        this.settings = settings;
        this.format = format;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.encode = change -> format.change(change, clock.millis());
    }

    /** Applying thread: keeps the unit's changes and wakes the watchers' threads. */
    @Override
    public void applied(long revision, List<Change> changes) {
        history.append(revision, changes);
        for (Wakeup wakeup : wakeups) {
            wakeup.wake();
        }
    }

    /**
     * Applying thread: the state stands at {@code revision}, loaded from a snapshot or a compacted log, so no
     * change up to it can be watched any more. When the state moved past what the hub holds, the history is
     * forgotten and the watchers still behind it end ({@link WatchEnd#COMPACTED}); otherwise nothing happens.
     */
    @Override
    public void loaded(long revision) {
        history.startAt(revision);
        for (Wakeup wakeup : wakeups) {
            wakeup.wake();
        }
    }

    /** The revision of the last change the hub was told of. */
    public long revision() {
        return history.revision();
    }

    /** The oldest revision a watch can start from: {@code 410} below it. */
    public long compactRevision() {
        return history.firstRevision();
    }

    /** How many changes the history holds now. */
    public long historySize() {
        return history.size();
    }

    /**
     * A watcher of {@code keys} that is sent every change from revision {@code from} on, or from the next revision
     * when {@code from} is negative.
     *
     * @throws RevisionCompactedException when changes from {@code from} on are no longer all held
     */
    public Watcher watch(WatchedKeys keys, long from) throws RevisionCompactedException {
        long start = from >= 0 ? from : history.revision() + 1;
        return new Watcher(this, keys, start, history.open(start), nanoClock.nanos());
    }

    /** Runs {@code task} on {@code executor} after new changes, once per burst, until the wakeup is closed. */
    public Wakeup onChanges(Executor executor, Runnable task) {
        Wakeup wakeup = new Wakeup(this, executor, task);
        wakeups.add(wakeup);
        return wakeup;
    }

    void remove(Wakeup wakeup) {
        wakeups.remove(wakeup);
    }

    /** How watches behave. */
    public Settings settings() {
        return settings;
    }

    long progressNanos() {
        return TimeUnit.MILLISECONDS.toNanos(settings.progressMillis());
    }

    EventFormat format() {
        return format;
    }

    /** Now, by the monotonic clock the hub's watchers time their progress events with. */
    public long nowNanos() {
        return nanoClock.nanos();
    }
}
