package kvstore.core.wal;

import kvstore.core.FatalHandler;
import kvstore.core.FsyncPolicy;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The single thread that owns the log file: every write of the server passes through it.
 *
 * <p>Group commit, as in Redis and ZooKeeper's {@code SyncRequestProcessor}: the thread blocks for the first
 * pending write, drains everything else queued behind it, writes the whole group with one write call,
 * forces it once (under {@link FsyncPolicy#ALWAYS}), then applies the group to the store and completes the
 * callbacks in log order. Under load the groups grow by themselves; idle, one write pays one fsync.
 *
 * <p>Failures: a write that fails (disk full) is cut back off the file and its group is failed with a
 * {@link LogWriteException}; later writes are tried again. A failed fsync is fatal (retrying one can report
 * success for data that is gone): the {@link FatalHandler} is told and nothing is acknowledged any more.
 *
 * <p>Compaction runs beside it (see {@link Compactor}); only its last step, appending the writes made
 * meanwhile and renaming the new file into place, happens on this thread.
 */
public final class WalWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalWriter.class);
    private static final int MAX_GROUP = 4096;
    private static final int MAX_BUFFER = 16 << 20;
    private static final long SLOW_FSYNC_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Object CLOSE = new Object();

    /** Applies a group's writes to the store once they are in the log; runs on the writer thread. */
    @FunctionalInterface
    public interface Applier {
        List<OpResult> apply(List<Op> ops);
    }

    /** Learns the outcome of one submitted write; called on the writer thread, so hand work off quickly. */
    public interface Completion {
        void completed(List<OpResult> results);

        void failed(LogWriteException cause);
    }

    /** Opens the log for reading and appending; tests substitute a channel that fails on demand. */
    @FunctionalInterface
    public interface LogOpener {
        LogOpener FILE = file -> FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);

        FileChannel open(Path file) throws IOException;
    }

    private record Pending(List<Op> ops, byte[] bytes, Completion completion) {
    }

    private final Path file;
    private final FsyncPolicy policy;
    private final Applier applier;
    private final FatalHandler fatalHandler;
    private final Compactor compactor;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final List<Object> group = new ArrayList<>();
    private FileChannel channel;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    private volatile long size;
    private final AtomicLong syncs = new AtomicLong();
    private boolean closing;
    private boolean failed;
    private boolean dirty;
    private long lastForceNanos = System.nanoTime();

    /**
     * Opens {@code file} for appending after replay has left it at {@code size} bytes.
     *
     * @param compactor rewrites the log when it grows past its threshold; may be null for none
     */
    public WalWriter(Path file, FsyncPolicy policy, Applier applier, FatalHandler fatalHandler, Compactor compactor)
            throws IOException {
        this(file, LogOpener.FILE, policy, applier, fatalHandler, compactor);
    }

    /** As {@link #WalWriter(Path, FsyncPolicy, Applier, FatalHandler, Compactor)}, opening the log with {@code opener}. */
    public WalWriter(Path file, LogOpener opener, FsyncPolicy policy, Applier applier, FatalHandler fatalHandler,
                     Compactor compactor) throws IOException {
        this.file = file;
        this.policy = policy;
        this.applier = applier;
        this.fatalHandler = fatalHandler;
        this.compactor = compactor;
        this.channel = opener.open(file);
        this.size = channel.size();
        this.thread = new Thread(this::run, "kvstore-wal-writer");
    }

    public void start() {
        thread.start();
    }

    /**
     * Queues a write. {@code bytes} are its encoded log lines (empty for a batch of gets only); the
     * completion is called once they are in the log (and forced, under {@link FsyncPolicy#ALWAYS}) and
     * {@code ops} have been applied, or once the write has failed.
     */
    public void submit(List<Op> ops, byte[] bytes, Completion completion) {
        synchronized (queue) {
            // Under the same lock as close(), so every accepted write is queued ahead of the close marker.
            if (!closing) {
                queue.add(new Pending(ops, bytes, completion));
                return;
            }
        }
        completion.failed(new LogWriteException("the server is shutting down; nothing was written", null, true));
    }

    /** Fsyncs of the log since start: with group commit, far fewer than the writes. */
    public long syncs() {
        return syncs.get();
    }

    /** Current size of the log file in bytes. */
    public long size() {
        return size;
    }

    /**
     * Stops taking writes, finishes every write queued so far, forces and closes the log.
     * Waits at most {@code timeoutMillis} for the queue to drain.
     */
    public void close(long timeoutMillis) throws InterruptedException {
        synchronized (queue) {
            closing = true;
            queue.add(CLOSE);
        }
        thread.join(timeoutMillis);
    }

    @Override
    public void close() throws InterruptedException {
        close(TimeUnit.SECONDS.toMillis(5));
    }

    private void run() {
        try {
            boolean open = true;
            while (open) {
                Object first = nextMessage();
                if (first == null) {
                    forceIfDirty();
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                open = process(group);
                group.clear();
            }
            forceIfDirty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("WAL writer stopped unexpectedly", e);
            fatalHandler.fatal("the WAL writer stopped unexpectedly: " + e, new IOException(e));
        } finally {
            failRemaining();
            close(channel);
        }
    }

    /** The next message, or null when it is time for an everysec force. */
    private Object nextMessage() throws InterruptedException {
        if (policy != FsyncPolicy.EVERYSEC || !dirty) {
            return queue.take();
        }
        long wait = TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - lastForceNanos);
        return wait <= 0 ? null : queue.poll(wait, TimeUnit.NANOSECONDS);
    }

    /** Writes, forces, applies and completes one group; returns false once the close marker was seen. */
    private boolean process(List<Object> messages) {
        List<Pending> writes = new ArrayList<>(messages.size());
        boolean open = true;
        Compactor.Snapshot snapshot = null;
        for (Object m : messages) {
            if (m instanceof Pending p) {
                writes.add(p);
            } else if (m instanceof Compactor.Snapshot s) {
                snapshot = s;
            } else if (m == CLOSE) {
                open = false;
            }
        }
        if (!writes.isEmpty()) {
            commit(writes);
        }
        if (snapshot != null) {
            finishCompaction(snapshot);
        } else if (compactor != null && !failed && compactor.isDue(size)) {
            compactor.start(size, this::deliverSnapshot);
        }
        return open;
    }

    /** Queues a finished snapshot for installation, or drops it when the log is closing. */
    private void deliverSnapshot(Compactor.Snapshot snapshot) {
        synchronized (queue) {
            if (!closing) {
                queue.add(snapshot);
                return;
            }
        }
        snapshot.abandon();
    }

    private void commit(List<Pending> writes) {
        if (failed) {
            failAll(writes, new LogWriteException(
                    "the log failed earlier and takes no more writes; nothing was written", null, false));
            return;
        }
        long before = size;
        try {
            append(writes);
        } catch (IOException e) {
            cutBack(before, e);
            failAll(writes, new LogWriteException(
                    "the write could not be stored in the log: " + e.getMessage() + "; nothing was written", e, false));
            return;
        }
        // Under everysec the force comes from the run loop, once a second while the log is dirty.
        if (policy == FsyncPolicy.ALWAYS && !force()) {
            failAll(writes, new LogWriteException(
                    "fsync failed, so the write may or may not survive a restart; the server is stopping",
                    null, false));
            return;
        }
        for (Pending p : writes) {
            List<OpResult> results;
            try {
                results = applier.apply(p.ops());
            } catch (RuntimeException e) {
                log.error("applying a logged write failed", e);
                p.completion().failed(
                        new LogWriteException("internal error after the write was logged: " + e, e, false));
                continue;
            }
            try {
                p.completion().completed(results);
            } catch (RuntimeException e) {
                log.warn("a write completion threw", e);
            }
        }
    }

    private void append(List<Pending> writes) throws IOException {
        long total = 0;
        for (Pending p : writes) {
            total += p.bytes().length;
        }
        if (total == 0) {
            return;
        }
        long position = size;
        if (total > MAX_BUFFER) {
            // Rare huge groups (large bodies) are written record by record rather than copied into one buffer.
            for (Pending p : writes) {
                position = writeFully(ByteBuffer.wrap(p.bytes()), position);
            }
        } else {
            if (buffer.capacity() < total) {
                buffer = ByteBuffer.allocateDirect((int) Math.max(total, Math.min(MAX_BUFFER, buffer.capacity() * 2L)));
            }
            buffer.clear();
            for (Pending p : writes) {
                buffer.put(p.bytes());
            }
            buffer.flip();
            position = writeFully(buffer, position);
        }
        size = position;
        dirty = true;
    }

    private long writeFully(ByteBuffer bytes, long position) throws IOException {
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
        return position;
    }

    /** Cuts a partly written group off the file, so the log ends with a whole record again. */
    private void cutBack(long before, IOException cause) {
        log.warn("cannot write to {}: {}; the write is refused and the log cut back to {} bytes",
                file, cause.getMessage(), before);
        try {
            channel.truncate(before);
            size = before;
        } catch (IOException e) {
            fail("cannot cut " + file + " back after a failed write; it may end with a partial record", e);
        }
    }

    /** Forces the log; false (and fatal) when the fsync failed. */
    private boolean force() {
        if (!dirty) {
            return true;
        }
        long start = System.nanoTime();
        try {
            channel.force(false);
        } catch (IOException e) {
            fail("fsync of " + file + " failed; retrying it could report success for data that is gone", e);
            return false;
        }
        syncs.incrementAndGet();
        long took = System.nanoTime() - start;
        if (took > SLOW_FSYNC_NANOS) {
            log.warn("slow fsync of {}: {} ms", file, TimeUnit.NANOSECONDS.toMillis(took));
        }
        lastForceNanos = System.nanoTime();
        dirty = false;
        return true;
    }

    private void forceIfDirty() {
        if (!failed) {
            force();
        }
    }

    private void finishCompaction(Compactor.Snapshot snapshot) {
        if (failed) {
            snapshot.abandon();
            return;
        }
        FileChannel next;
        try {
            next = snapshot.install(channel, size, file);
        } catch (IOException e) {
            log.warn("compaction abandoned: {}", e.toString());
            snapshot.abandon();
            return;
        }
        // From here the new file is the log: writes must go to it even if the rename turns out not durable.
        FileChannel replaced = channel;
        channel = next;
        size = snapshot.bytes();
        dirty = false;
        try {
            snapshot.commit(file);
        } catch (IOException e) {
            // The old log, untouched, may be what a crash leaves under the name; nothing is acknowledged any more.
            fail("cannot fsync the directory of " + file + " after compaction renamed the new log into place", e);
            close(replaced);
            return;
        }
        compactor.retire(replaced);
    }

    private void fail(String message, IOException cause) {
        failed = true;
        log.error(message, cause);
        fatalHandler.fatal(message, cause);
    }

    private static void failAll(List<Pending> writes, LogWriteException cause) {
        for (Pending p : writes) {
            try {
                p.completion().failed(cause);
            } catch (RuntimeException e) {
                log.warn("a write completion threw", e);
            }
        }
    }

    private void failRemaining() {
        List<Object> rest = new ArrayList<>();
        queue.drainTo(rest);
        List<Pending> writes = new ArrayList<>();
        for (Object m : rest) {
            if (m instanceof Pending p) {
                writes.add(p);
            } else if (m instanceof Compactor.Snapshot s) {
                s.abandon();
            }
        }
        failAll(writes, new LogWriteException("the server is shutting down; nothing was written", null, true));
    }

    private void close(FileChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            log.warn("closing {} failed: {}", file, e.toString());
        }
    }
}
