package kvstore.raft;

import kvstore.core.cluster.ReplicationFigures;
import kvstore.core.store.Change;
import kvstore.core.store.ChangeListener;
import kvstore.core.store.Entry;
import kvstore.core.store.Store;
import kvstore.core.time.NanoClock;
import kvstore.core.wal.WalEncoder;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.io.MD5Hash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Snapshots written beside the apply thread, which pauses only to open and close a tap on its changes: between
 * two entries the tap opens, and a thread of its own ({@code raft-snapshot}) walks the store into a file (a weakly
 * consistent walk: a key written meanwhile may show either value); between two later entries the tap closes, at
 * applied index J. The snapshot of J is then the walk's line of every key the tap did not see (unchanged between
 * the two instants) and, for each key it saw, its state as the last change before J left it. Written to a
 * temporary file, fsynced, renamed to {@code snapshot.<term>_<J>}, given its MD5 (Ratis would load a snapshot
 * without one unchecked); the same idea as a single server's backups.
 *
 * <p>Ratis calls {@link KvStateMachine#takeSnapshot} on the apply thread and purges the log up to the index it
 * returns: that is always the latest snapshot already on disk, while the next one is written here.
 *
 * <p>Threads: {@link #applied} and {@link #loaded} on the apply thread, holding {@code applyLock} (the state
 * machine holds it while it applies an entry); the tap opens and closes holding it too, so always between two
 * entries. {@code writing} and {@code waiting} are guarded by {@code this}; the figures are written by the
 * snapshot thread and read by anyone.
 */
final class SnapshotWriter implements ChangeListener {
    private static final Logger log = LoggerFactory.getLogger(SnapshotWriter.class);
    private static final String WALK = "snapshot.walk";
    private static final String PARTIAL = "snapshot.partial";
    private static final int BUFFER_BYTES = 1 << 16;

    /** The state machine's: held while an entry is applied, and here to open and close the tap. */
    private final Object applyLock;
    private final ChangeListener downstream;
    private final SimpleStateMachineStorage storage;
    private final Supplier<Store> store;
    private final Supplier<TermIndex> applied;
    /** The instant snapshot lines are written as of: the stamp of the latest entry applied. */
    private final LongSupplier stamp;
    private final NanoClock clock;
    private volatile File tmpDir;

    /** Apply thread, under applyLock: the tap (each key changed, with its last change), null while closed. */
    private Map<ByteBuffer, Change> tap;
    private boolean storeReplaced;

    private boolean writing;
    private final List<Waiting> waiting = new ArrayList<>();

    private volatile long snapshots;
    private volatile long lastBytes;
    private volatile long lastNanos;

    private record Waiting(long index, CompletableFuture<Long> done) {
    }

    SnapshotWriter(Object applyLock, ChangeListener downstream, SimpleStateMachineStorage storage,
                   Supplier<Store> store, Supplier<TermIndex> applied, LongSupplier stamp, NanoClock clock) {
        this.applyLock = applyLock;
        this.downstream = downstream;
        this.storage = storage;
        this.store = store;
        this.applied = applied;
        this.stamp = stamp;
        this.clock = clock;
    }

    void setTmpDir(File dir) {
        this.tmpDir = dir;
    }

    @Override
    public void applied(long revision, List<Change> changes) {
        downstream.applied(revision, changes);
        if (tap != null) {
            for (Change c : changes) {
                tap.put(ByteBuffer.wrap(c.key()), c);
            }
        }
    }

    @Override
    public void loaded(long revision) {
        downstream.loaded(revision);
        storeReplaced = true;
    }

    /** The index of the latest snapshot on disk, or {@link RaftLog#INVALID_LOG_INDEX}. */
    long latestIndex() {
        SnapshotInfo latest = storage.getLatestSnapshot();
        return latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
    }

    /** Starts a snapshot unless one is being written. */
    void startIfIdle() {
        synchronized (this) {
            if (writing) {
                return;
            }
            writing = true;
        }
        long opened;
        synchronized (applyLock) {
            tap = new HashMap<>();
            storeReplaced = false;
            opened = stamp.getAsLong();
        }
        Thread thread = new Thread(() -> write(opened), "raft-snapshot");
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes with the index of a snapshot on disk that holds at least {@code index}, starting one if needed. */
    CompletableFuture<Long> covering(long index) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        synchronized (this) {
            long latest = latestIndex();
            if (latest >= index) {
                done.complete(latest);
                return done;
            }
            waiting.add(new Waiting(index, done));
        }
        startIfIdle();
        return done;
    }

    ReplicationFigures figures(ReplicationFigures without) {
        return new ReplicationFigures(without.elections(), without.logBytes(), without.logFlushes(),
                without.appliedEntries(), without.appliedEntryBytes(), snapshots, lastBytes, lastNanos / 1e9);
    }

    private void write(long openedStamp) {
        long started = clock.nanos();
        Throwable failure = null;
        try {
            writeSnapshot(openedStamp);
            lastNanos = clock.nanos() - started;
            snapshots++;
        } catch (IOException | RuntimeException e) {
            failure = e;
            log.warn("snapshot not written: {}", e.toString());
        } finally {
            synchronized (applyLock) {
                tap = null;
            }
        }
        finish(failure);
    }

    /** Answers the waiters the latest snapshot covers, and starts another for those it does not. */
    private void finish(Throwable failure) {
        boolean again;
        synchronized (this) {
            writing = false;
            long latest = latestIndex();
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                if (latest >= w.index()) {
                    w.done().complete(latest);
                    it.remove();
                } else if (failure != null) {
                    w.done().completeExceptionally(failure);
                    it.remove();
                }
            }
            again = !waiting.isEmpty();
        }
        if (again) {
            startIfIdle();
        }
    }

    private void writeSnapshot(long openedStamp) throws IOException {
        WalEncoder encoder = new WalEncoder();
        Store walked = store.get();
        Path walk = tmpDir.toPath().resolve(WALK);
        Files.createDirectories(walk.getParent());
        List<byte[]> keys = new ArrayList<>();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(walk), BUFFER_BYTES)) {
            walked.forEachLive(Long.MIN_VALUE, (key, entry) -> {
                try {
                    out.write(encoder.encodeEntry(entry, openedStamp));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                keys.add(key);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Map<ByteBuffer, Change> changed;
        TermIndex at;
        long revision;
        long closedStamp;
        synchronized (applyLock) {
            changed = tap;
            tap = null;
            at = applied.get();
            revision = store.get().revision();
            closedStamp = stamp.getAsLong();
            if (storeReplaced || store.get() != walked) {
                throw new IOException("the leader installed a snapshot meanwhile");
            }
        }
        if (at == null || at.getIndex() < 0 || at.getIndex() <= latestIndex()) {
            Files.deleteIfExists(walk);
            return;
        }
        File target = storage.getSnapshotFile(at.getTerm(), at.getIndex());
        Path partial = tmpDir.toPath().resolve(PARTIAL);
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
             InputStream in = new BufferedInputStream(Files.newInputStream(walk), BUFFER_BYTES)) {
            out.write(encoder.encodeVersionMark(revision));
            copyUnchanged(in, out, keys, changed);
            for (Change c : changed.values()) {
                if (c.type() == Change.Type.PUT) {
                    out.write(encoder.encodeEntry(Entry.of(c.key(), c.value(), c.deadlineMillis(), c.createRevision(),
                            c.revision(), c.version()), closedStamp));
                }
            }
            out.flush();
            channel.force(true);
        } finally {
            Files.deleteIfExists(walk);
        }
        Files.move(partial, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(target.getParentFile().toPath(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        MD5Hash md5 = MD5FileUtil.computeMd5ForFile(target);
        MD5FileUtil.saveMD5File(target, md5);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), at));
        lastBytes = target.length();
    }

    /** Copies the walk's line of each key the tap did not see: the n-th line is the n-th key's. */
    private static void copyUnchanged(InputStream in, OutputStream out, List<byte[]> keys,
                                      Map<ByteBuffer, Change> changed) throws IOException {
        for (byte[] key : keys) {
            boolean keep = !changed.containsKey(ByteBuffer.wrap(key));
            for (int b; (b = in.read()) >= 0; ) {
                if (keep) {
                    out.write(b);
                }
                if (b == '\n') {
                    break;
                }
            }
        }
    }
}
