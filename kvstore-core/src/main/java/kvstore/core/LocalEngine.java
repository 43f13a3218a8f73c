package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import kvstore.core.ttl.ExpirySweeper;
import kvstore.core.wal.Compactor;
import kvstore.core.wal.LogWriteException;
import kvstore.core.wal.WalEncoder;
import kvstore.core.wal.WalFormat;
import kvstore.core.wal.WalReplay;
import kvstore.core.wal.WalWriter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A kvstore data directory, open: the {@link Store} rebuilt from the log, the {@link WalWriter} every
 * write goes through, the {@link ExpirySweeper} and the {@link Compactor}.
 *
 * <p>Reads ({@link #get}, {@link #keysWithPrefix}, {@link #stats}) may come from any thread and never touch
 * the disk. Writes are {@link #submit submitted}: encoded on the calling thread, logged and applied by the
 * writer thread, and completed once durable under the configured {@link FsyncPolicy}.
 */
public final class LocalEngine implements Engine {
    /**
     * How to open a data directory.
     *
     * @param compactMinBytes never compact a log smaller than this
     * @param compactRatio compact when the log is more than this many times the size of the live data
     * @param repair cut a damaged log at its first bad line (after saving a copy) instead of refusing to start
     */
    public record Config(Path dataDir, FsyncPolicy fsync, long compactMinBytes, double compactRatio, boolean repair,
                         FatalHandler fatalHandler, CompactionProbe compactionProbe, EpochClock clock,
                         NanoClock nanoClock) {
        /** Defaults for everything but the directory: fsync always, compaction past 64 MiB and twice the live data. */
        public static Config of(Path dataDir) {
            return server(dataDir, FsyncPolicy.ALWAYS, 64L << 20, 2.0, false, FatalHandler.IGNORE,
                    CompactionProbe.NONE);
        }

        /** A configuration on the system's clocks, as the server runs. */
        public static Config server(Path dataDir, FsyncPolicy fsync, long compactMinBytes, double compactRatio,
                                    boolean repair, FatalHandler fatalHandler, CompactionProbe compactionProbe) {
            return new Config(dataDir, fsync, compactMinBytes, compactRatio, repair, fatalHandler, compactionProbe,
                    EpochClock.SYSTEM, NanoClock.SYSTEM);
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

    private final Store store = new Store();
    private final ThreadLocal<WalEncoder> encoders = ThreadLocal.withInitial(WalEncoder::new);
    private final EpochClock clock;
    private final ExpirySweeper sweeper;
    private static final Set<Path> OPEN_IN_THIS_PROCESS = new HashSet<>();

    private final FileChannel lockFile;
    private final Path lockPath;
    private boolean closed;
    private Compactor compactor;
    private WalWriter writer;
    private WalReplay.Result replay;
    private long replayMillis;

    private LocalEngine(EpochClock clock, FileChannel lockFile, Path lockPath) {
        this.clock = clock;
        this.lockFile = lockFile;
        this.lockPath = lockPath;
        this.sweeper = new ExpirySweeper(store, clock);
    }

    /**
     * Opens {@code config.dataDir()} (created when missing), replays its log and starts the writer.
     *
     * @throws kvstore.core.wal.CorruptLogException when the log is damaged before its last line and repair is off
     * @throws IOException when the directory cannot be created, written or locked
     */
    public static LocalEngine open(Config config) throws IOException {
        Path dir = config.dataDir();
        Files.createDirectories(dir);
        Path lockPath = dir.toRealPath().resolve("LOCK");
        synchronized (OPEN_IN_THIS_PROCESS) {
            // A second channel on the LOCK file would release this process's lock when closed (POSIX locks
            // belong to the process), so a directory already open here is refused before touching the file.
            if (!OPEN_IN_THIS_PROCESS.add(lockPath)) {
                throw new IOException("data dir " + dir + " is in use: already open in this process");
            }
        }
        try {
            FileChannel lock = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held;
            try {
                held = lock.tryLock();
            } catch (IOException | RuntimeException e) {
                lock.close();
                throw e;
            }
            if (held == null) {
                lock.close();
                throw new IOException("data dir " + dir + " is in use by another kvstore process");
            }
            LocalEngine db = new LocalEngine(config.clock(), lock, lockPath);
            try {
                db.start(config);
            } catch (IOException | RuntimeException e) {
                lock.close();
                throw e;
            }
            return db;
        } catch (IOException | RuntimeException e) {
            release(lockPath);
            throw e;
        }
    }

    private static void release(Path lockPath) {
        synchronized (OPEN_IN_THIS_PROCESS) {
            OPEN_IN_THIS_PROCESS.remove(lockPath);
        }
    }

    private void start(Config config) throws IOException {
        Path file = config.dataDir().resolve(WalFormat.FILE_NAME);
        Files.deleteIfExists(config.dataDir().resolve(WalFormat.COMPACT_FILE_NAME));
        long started = System.nanoTime();
        replay = WalReplay.replay(file, config.repair(), this::replayed);
        replayMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        compactor = new Compactor(store, clock, file, config.compactMinBytes(), config.compactRatio(),
                config.compactionProbe());
        writer = new WalWriter(file, config.fsync(), this::apply, config.fatalHandler(), compactor);
        writer.start();
        sweeper.start();
    }

    /** Applies a write read back from the log; no reader can see the store yet, so no batch lock. */
    private void replayed(List<Op> ops) {
        long now = clock.millis();
        for (Op op : ops) {
            store.apply(op, now);
            track(op, now);
        }
    }

    private void track(Op op, long now) {
        if (op instanceof Op.Set set && set.entry().deadlineMillis() != Entry.NEVER && set.entry().isLiveAt(now)) {
            sweeper.track(set.key(), set.entry());
        }
    }

    /** Applies logged writes to the store; called by the writer thread. */
    private List<OpResult> apply(List<Op> ops) {
        long now = clock.millis();
        List<OpResult> results = store.applyAtomically(ops, now);
        for (Op op : ops) {
            track(op, now);
        }
        return results;
    }

    @Override
    public long now() {
        return clock.millis();
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
    public CompletionStage<List<OpResult>> submit(List<Op> ops, long timestampMillis) {
        CompletableFuture<List<OpResult>> done = new CompletableFuture<>();
        writer.submit(ops, encoders.get().encode(ops, timestampMillis), new WalWriter.Completion() {
            @Override
            public void completed(List<OpResult> results) {
                done.complete(results);
            }

            @Override
            public void failed(LogWriteException cause) {
                done.completeExceptionally(cause.toWriteFailure());
            }
        });
        return done;
    }

    @Override
    public Stats stats() {
        sweeper.sweep();
        Store.Totals totals = store.totals();
        return new Stats(totals.keys(), totals.valueBytes(), writer.size(), writer.syncs(), compactor.completed());
    }

    /** What replay found on open. */
    public Recovery recovery() {
        return new Recovery(replay.records(), replay.bytes(), replay.cutBytes(), replay.droppedRecords(),
                replay.brokenCopy(), replayMillis);
    }

    /** Finishes the writes queued so far, forces and closes the log; later writes fail as shutting down. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sweeper.close();
            lockFile.close();
            release(lockPath);
        }
    }
}
