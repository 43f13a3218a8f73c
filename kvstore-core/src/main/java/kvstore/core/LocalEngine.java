package kvstore.core;

import kvstore.core.store.ChangeListener;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import kvstore.core.store.Totals;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import kvstore.core.wal.BackupWriter;
import kvstore.core.wal.CompactionPolicy;
import kvstore.core.wal.DataDirectory;
import kvstore.core.wal.LogTask;
import kvstore.core.wal.LogWorker;
import kvstore.core.wal.WalEncoder;
import kvstore.core.wal.WalFormat;
import kvstore.core.wal.WalReplay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The single-node {@link Engine}: a data directory, open. On {@link #open} the {@link Store} is rebuilt from
 * the log, then the {@link LogWorker} (group commit, expiry and compaction) starts.
 *
 * <p>Reads come from any thread and never touch the disk. A write is encoded on the submitting thread,
 * logged and applied by the log worker's thread, and its stage completes there once durable under the
 * configured {@link FsyncPolicy}.
 */
public final class LocalEngine implements Engine {
    /**
     * How to open a data directory.
     *
     * @param compactMinBytes never compact a log smaller than this
     * @param compactRatio compact when the log is more than this many times the size of the live data
     * @param repair cut a damaged log at its first bad line (after saving a copy) instead of refusing to start
     * @param maxMemoryBytes the ceiling on the data set's estimated bytes ({@link Totals#memoryBytes})
     * @param fatalHandler told when the log can no longer be trusted; expected to stop the process
     * @param observer told of replay, each group appended, each fsync, compaction and expiry (for metrics)
     */
    public record Config(Path dataDir, FsyncPolicy fsync, long compactMinBytes, double compactRatio, boolean repair,
                         long maxMemoryBytes, FatalHandler fatalHandler, CompactionProbe compactionProbe,
                         EpochClock clock, NanoClock nanoClock, LogObserver observer) {
        /** A configuration nobody observes. */
        public Config(Path dataDir, FsyncPolicy fsync, long compactMinBytes, double compactRatio, boolean repair,
                      long maxMemoryBytes, FatalHandler fatalHandler, CompactionProbe compactionProbe,
                      EpochClock clock, NanoClock nanoClock) {
            this(dataDir, fsync, compactMinBytes, compactRatio, repair, maxMemoryBytes, fatalHandler,
                    compactionProbe, clock, nanoClock, LogObserver.NONE);
        }

        /** This configuration with {@code observer} told what the engine does. */
        public Config withObserver(LogObserver observer) {
            return new Config(dataDir, fsync, compactMinBytes, compactRatio, repair, maxMemoryBytes, fatalHandler,
                    compactionProbe, clock, nanoClock, observer);
        }

        /** Defaults for everything but the directory: fsync always, compaction past 64 MiB and twice the live data. */
        public static Config of(Path dataDir) {
            return server(dataDir, FsyncPolicy.ALWAYS, 64L << 20, 2.0, false, FatalHandler.IGNORE,
                    CompactionProbe.NONE);
        }

        /** A configuration on the system's clocks with the default memory ceiling, as the server runs. */
        public static Config server(Path dataDir, FsyncPolicy fsync, long compactMinBytes, double compactRatio,
                                    boolean repair, FatalHandler fatalHandler, CompactionProbe compactionProbe) {
            return new Config(dataDir, fsync, compactMinBytes, compactRatio, repair, defaultMaxMemory(),
                    fatalHandler, compactionProbe, EpochClock.SYSTEM, NanoClock.SYSTEM);
        }

        /**
         * The default memory ceiling: half the JVM's maximum heap. The rest is headroom for what the data set's
         * estimate leaves out: connections' buffers, garbage not collected yet, and the copies that a growing
         * hash index or a compaction makes for a while.
         */
        public static long defaultMaxMemory() {
            return Runtime.getRuntime().maxMemory() / 2;
        }

        /** This configuration with the memory ceiling set to {@code bytes}. */
        public Config withMaxMemory(long bytes) {
            return new Config(dataDir, fsync, compactMinBytes, compactRatio, repair, bytes, fatalHandler,
                    compactionProbe, clock, nanoClock, observer);
        }
    }

    /**
     * What replay found on open.
     *
     * @param records writes applied (each write inside a batch counts)
     * @param bytes size of the log after replay
     * @param cutBytes bytes cut from the end: a torn write, or everything from the damaged line on under repair
     * @param droppedRecords under repair, the lines cut off
     * @param brokenCopy under repair, where the whole damaged log was copied; otherwise null
     * @param millis how long replay took
     */
    public record Recovery(long records, long bytes, long cutBytes, long droppedRecords, Path brokenCopy,
                           long millis) {
    }

    private final DataDirectory directory;
    private final Store store;
    private final LogWorker log;
    private final EpochClock clock;
    private final long maxMemoryBytes;
    private final Recovery recovery;
    /** Encoding happens on the submitting threads (the event loops), each with its own encoder. */
    private final ThreadLocal<WalEncoder> encoders = ThreadLocal.withInitial(WalEncoder::new);
    /** Guarded by this. */
    private boolean closed;

    private LocalEngine(DataDirectory directory, Store store, LogWorker log, EpochClock clock, long maxMemoryBytes,
                        Recovery recovery) {
        this.directory = directory;
        this.store = store;
        this.log = log;
        this.clock = clock;
        this.maxMemoryBytes = maxMemoryBytes;
        this.recovery = recovery;
    }

    /**
     * Opens {@code config.dataDir()} (created when missing), replays its log and starts the log worker.
     *
     * @throws CorruptLogException when the log is damaged before its last line and repair is off
     * @throws IOException when the directory cannot be created, written or locked
     */
    public static LocalEngine open(Config config) throws IOException {
        return open(config, ChangeListener.NONE);
    }

    /**
     * As {@link #open(Config)}, with {@code changes} told of every change the store applies, those replayed from
     * the log included, and then of the revision the store was loaded at.
     */
    public static LocalEngine open(Config config, ChangeListener changes) throws IOException {
        DataDirectory directory = DataDirectory.lock(config.dataDir());
        try {
            Store store = new Store(changes);
            EpochClock clock = config.clock();
            Path file = directory.resolve(WalFormat.FILE_NAME);
            Files.deleteIfExists(directory.resolve(WalFormat.COMPACT_FILE_NAME));
            BackupWriter.deleteLeftovers(directory);
            long started = config.nanoClock().nanos();
            // No reader sees the store before replay ends, so units need no batch isolation.
            WalReplay.Result replay = WalReplay.replay(file, config.repair(), unit -> unit.applyTo(store),
                    config.nanoClock());
            boolean repaired = replay.brokenCopy() != null;
            if (repaired) {
                // Every line cut held at most one new revision: go past all of them, so none is given twice.
                store.raiseRevision(Math.max(replay.highestCutRevision(), store.revision() + replay.droppedRecords()));
            }
            long replayNanos = config.nanoClock().nanos() - started;
            Recovery recovery = new Recovery(replay.records(), replay.bytes(), replay.cutBytes(),
                    replay.droppedRecords(), replay.brokenCopy(), TimeUnit.NANOSECONDS.toMillis(replayNanos));
            config.observer().replayed(replay.records(), replay.bytes(), replayNanos);
            changes.loaded(store.revision());
            LogWorker log = LogWorker.open(directory, store, replay.version(), repaired, config.fsync(),
                    new CompactionPolicy(config.compactMinBytes(), config.compactRatio(), config.compactionProbe()),
                    config.fatalHandler(), clock, config.nanoClock(), config.observer());
            LocalEngine engine = new LocalEngine(directory, store, log, clock, config.maxMemoryBytes(), recovery);
            log.start();
            return engine;
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    @Override
    public long now() {
        return clock.millis();
    }

    @Override
    public long revision() {
        return store.revision();
    }

    @Override
    public Entry get(byte[] key) {
        return store.get(key, clock.millis());
    }

    @Override
    public List<byte[]> keys(byte[] prefix) {
        return store.keysWithPrefix(prefix, clock.millis());
    }

    @Override
    public Page keys(byte[] prefix, byte[] after, int limit) {
        return Page.of(store.keysAfter(prefix, after, Page.fetchSize(limit), clock.millis()), limit);
    }

    @Override
    public EntryPage entries(byte[] prefix, byte[] after, int limit) {
        return EntryPage.of(store.entriesAfter(prefix, after, Page.fetchSize(limit), clock.millis()), limit);
    }

    @Override
    public CompletionStage<Outcome> submit(List<Op> ops, long timestampMillis) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        if (fits(ops, done)) {
            log.submit(ops, encoders.get().encodeUnit(ops, timestampMillis), done);
        }
        return done;
    }

    @Override
    public void submitAll(List<Submission> units) {
        WalEncoder encoder = encoders.get();
        List<LogTask.Append> appends = new ArrayList<>(units.size());
        for (Submission unit : units) {
            if (fits(unit.ops(), unit.done())) {
                appends.add(new LogTask.Append(unit.ops(), encoder.encodeUnit(unit.ops(), unit.timestampMillis()),
                        unit.done()));
            }
        }
        log.submitAll(appends);
    }

    /** Checked before the write is logged, on the submitting thread: false, and {@code done} failed, past the ceiling. */
    private boolean fits(List<Op> ops, CompletableFuture<Outcome> done) {
        if (Totals.wouldGrowPast(store, ops, maxMemoryBytes, clock.millis())) {
            done.completeExceptionally(new WriteFailedException(WriteFailedException.Reason.MEMORY_LIMIT,
                    "memory limit reached", null));
            return false;
        }
        return true;
    }

    @Override
    public CompletionStage<Boolean> compactNow() {
        return log.compactNow();
    }

    @Override
    public CompletionStage<Backup> backup() {
        return BackupWriter.start(store, log, directory, clock);
    }

    @Override
    public Stats stats() {
        Totals totals = store.totals(clock.millis());
        return new Stats(totals.keys(), totals.valueBytes(), totals.memoryBytes(), maxMemoryBytes, log.size(),
                log.syncs(), log.compactions());
    }

    /** What replay found on open. */
    public Recovery recovery() {
        return recovery;
    }

    /** Finishes the writes queued so far, forces and closes the log; later writes fail as shutting down. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            log.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            directory.close();
        }
    }
}
