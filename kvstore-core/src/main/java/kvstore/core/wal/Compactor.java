package kvstore.core.wal;

import kvstore.core.CompactionProbe;
import kvstore.core.store.Entry;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Rewrites the log as just the live entries once it has grown well past them.
 *
 * <p>How, in the manner of Redis's AOF rewrite: the WAL writer notes the log's size S and calls
 * {@link #start}; a background thread writes every live entry (with its absolute expiry) to
 * {@code wal.log.compact}, fsyncing every 4 MiB so the disk never sees one huge flush, and hands a
 * {@link Snapshot} back to the writer's queue. The writer, between two groups, appends the log's bytes
 * from S on (the writes made meanwhile) to the new file, fsyncs it, renames it over {@code wal.log} and
 * fsyncs the directory; then the old file is freed in the background ({@link #retire}). Every write is a
 * whole-value set or a delete, so replaying those later writes over a snapshot taken while they happened
 * gives the same state. A crash before the rename leaves the old log
 * (the stale temp file is deleted on start); after it, the new one, complete and fsynced.
 */
public final class Compactor {
    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    private static final long FSYNC_EVERY_BYTES = 4 << 20;
    private static final long RETIRE_STEP_BYTES = 4 << 20;
    private static final long RETIRE_PAUSE_MILLIS = 2;
    /** Rough bytes of a set line besides its key and value, to estimate the size of a compacted log. */
    private static final long LINE_OVERHEAD = 72;

    private final Store store;
    private final EpochClock clock;
    private final Path file;
    private final Path temp;
    private final long minBytes;
    private final double ratio;
    private final CompactionProbe probe;
    private final AtomicLong completed = new AtomicLong();
    private volatile boolean running;
    private volatile long retryAbove;

    /**
     * @param file the log
     * @param minBytes never compact a log smaller than this
     * @param ratio compact only when the log is more than this many times the size of the live data
     */
    public Compactor(Store store, EpochClock clock, Path file, long minBytes, double ratio, CompactionProbe probe) {
        this.store = store;
        this.clock = clock;
        this.file = file;
        this.temp = file.resolveSibling(WalFormat.COMPACT_FILE_NAME);
        this.minBytes = minBytes;
        this.ratio = ratio;
        this.probe = probe;
    }

    /** Compactions finished since start. */
    public long completed() {
        return completed.get();
    }

    /** Whether a log of {@code logBytes} should be compacted now. Called by the writer thread. */
    boolean isDue(long logBytes) {
        if (running || logBytes <= minBytes || logBytes <= retryAbove) {
            return false;
        }
        Store.Totals totals = store.totals();
        long live = totals.keyBytes() + totals.valueBytes() + totals.keys() * LINE_OVERHEAD;
        return logBytes > ratio * live;
    }

    /** Starts writing the snapshot; {@code deliver} gets the {@link Snapshot} when it is on disk. */
    void start(long logBytesAtStart, Consumer<Snapshot> deliver) {
        running = true;
        Thread thread = new Thread(() -> {
            try {
                deliver.accept(writeSnapshot(logBytesAtStart));
            } catch (IOException | RuntimeException e) {
                log.warn("compaction failed, the log is left as it was: {}", e.toString());
                deleteTemp();
                retryAbove = logBytesAtStart + minBytes;
                running = false;
            }
        }, "kvstore-compactor");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Frees the log that compaction replaced, off the writer's thread, once its rename is durable. Freeing
     * a 68 MB file at once took 20–25 ms here when done by the last close, and the ext4 journal commit
     * that records it then held up the writer's next fsync by 15 ms, enough to double the writes' p99.
     * Redis closes its old AOF in a background thread for the first reason; cutting the file down a few
     * megabytes at a time, with a short pause between cuts, spreads the freeing over several small
     * journal commits instead of one large one.
     */
    void retire(FileChannel replaced) {
        Thread closer = new Thread(() -> {
            try (replaced) {
                for (long size = replaced.size() - RETIRE_STEP_BYTES; size > 0; size -= RETIRE_STEP_BYTES) {
                    replaced.truncate(size);
                    Thread.sleep(RETIRE_PAUSE_MILLIS);
                }
            } catch (IOException e) {
                log.warn("freeing the replaced log failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kvstore-log-retirer");
        closer.setDaemon(true);
        closer.start();
    }

    private Snapshot writeSnapshot(long from) throws IOException {
        long now = clock.millis();
        FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            SnapshotWriter writer = new SnapshotWriter(out, now);
            store.forEachLive(now, writer);
            writer.finish();
            probe.reached(CompactionProbe.Point.TEMP_WRITTEN);
            return new Snapshot(out, from);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", temp, e.toString());
        }
    }

    /** A snapshot on disk, waiting for the writer to append the newer writes and install it. */
    final class Snapshot {
        private final FileChannel channel;
        private final long from;
        private long installStart;
        private long oldBytes;
        private long newBytes;

        private Snapshot(FileChannel channel, long from) {
            this.channel = channel;
            this.from = from;
        }

        /**
         * Appends {@code current}'s bytes from where the snapshot began to {@code size}, makes the new file
         * durable and renames it over {@code file}; returns the new file's channel, positioned for appending.
         * The rename is its last step: when this throws, the old log is still in place, whole. Once it
         * returns, the new file is the log, but the rename is durable only after {@link #commit}.
         */
        FileChannel install(FileChannel current, long size, Path file) throws IOException {
            installStart = System.nanoTime();
            long at = channel.size();
            for (long pos = from; pos < size; ) {
                long n = current.transferTo(pos, size - pos, channel.position(at));
                pos += n;
                at += n;
            }
            channel.force(false);
            probe.reached(CompactionProbe.Point.BEFORE_RENAME);
            oldBytes = size;
            newBytes = at;
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return channel;
        }

        /** Size in bytes of the installed log. */
        long bytes() {
            return newBytes;
        }

        /** Makes the rename durable by fsyncing the directory; only then may the old log be retired. */
        void commit(Path file) throws IOException {
            probe.reached(CompactionProbe.Point.AFTER_RENAME);
            SafeFiles.fsyncDirectory(file.getParent());
            completed.incrementAndGet();
            running = false;
            log.info("compacted {}: {} -> {} bytes ({} bytes of newer writes carried over in {} us)",
                    file, oldBytes, newBytes, oldBytes - from, (System.nanoTime() - installStart) / 1000);
        }

        /** Drops the snapshot; the old log stays. */
        void abandon() {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("closing {} failed: {}", temp, e.toString());
            }
            deleteTemp();
            retryAbove = from + minBytes;
            running = false;
        }
    }

    /** Encodes live entries into a buffer and writes it out in large pieces. */
    private static final class SnapshotWriter implements BiConsumer<byte[], Entry> {
        private final FileChannel out;
        private final long now;
        private final WalEncoder encoder = new WalEncoder();
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        private long written;
        private long sinceForce;

        SnapshotWriter(FileChannel out, long now) {
            this.out = out;
            this.now = now;
        }

        @Override
        public void accept(byte[] key, Entry entry) {
            byte[] line = encoder.encodeSet(key, entry, now);
            try {
                if (buffer.remaining() < line.length) {
                    flush();
                }
                if (line.length > buffer.capacity()) {
                    writeFully(ByteBuffer.wrap(line));
                } else {
                    buffer.put(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void finish() throws IOException {
            flush();
            out.force(false);
        }

        private void flush() throws IOException {
            buffer.flip();
            writeFully(buffer);
            buffer.clear();
            if (sinceForce >= FSYNC_EVERY_BYTES) {
                out.force(false);
                sinceForce = 0;
            }
        }

        private void writeFully(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                int n = out.write(bytes, written);
                written += n;
                sinceForce += n;
            }
        }
    }
}
