package kvstore.core.wal;

import kvstore.core.Backup;
import kvstore.core.store.Entry;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * Writes a {@link Backup}: the data set as it stood at one instant, while writes go on, with the revision it
 * stood at. The idea compaction uses, without touching the log: between two groups the log worker opens a
 * {@link WriteTap}; a snapshot of the store is written to a temporary file (a weakly consistent walk: a key
 * written meanwhile may show either value); between two later groups the tap is closed. Every key the tap saw
 * is then taken from the tap (its entry when the last group that changed it was applied) instead of the
 * snapshot, and every other key was not written between the two instants, so its snapshot line is its value
 * and figures at both. The result is the state when the tap closed, at the revision it closed at, and no batch
 * is split: the tap takes a batch's writes together, between groups.
 *
 * <p>Threading: all of it runs on a thread of its own ({@code kvstore-backup}); it meets the log worker only
 * through the tap's tasks.
 */
public final class BackupWriter {
    private static final String FILE_PREFIX = WalFormat.FILE_NAME + ".backup-";
    private static final int BUFFER_BYTES = 1 << 16;

    private final Store store;
    private final LogWorker log;
    private final DataDirectory directory;
    private final EpochClock clock;
    private final WalEncoder encoder = new WalEncoder();

    private BackupWriter(Store store, LogWorker log, DataDirectory directory, EpochClock clock) {
        this.store = store;
        this.log = log;
        this.directory = directory;
        this.clock = clock;
    }

    /** Starts writing a backup on a thread of its own; the stage completes with it, or with why it failed. */
    public static CompletableFuture<Backup> start(Store store, LogWorker log, DataDirectory directory,
                                                  EpochClock clock) {
        CompletableFuture<Backup> done = new CompletableFuture<>();
        BackupWriter writer = new BackupWriter(store, log, directory, clock);
        Thread thread = new Thread(() -> {
            try {
                done.complete(writer.write());
            } catch (IOException | RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }, "kvstore-backup");
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    /** Deletes the temporary files of backups that a stop interrupted. */
    public static void deleteLeftovers(DataDirectory directory) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory.path(), FILE_PREFIX + "*")) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    private Backup write() throws IOException {
        WriteTap tap = new WriteTap();
        log.tap(tap, true).join();
        Path snapshot;
        try {
            snapshot = writeSnapshot(tap.openedAt());
        } catch (IOException | RuntimeException | Error e) {
            log.tap(tap, false);
            throw e;
        }
        try {
            log.tap(tap, false).join();
            if (tap.isEmpty()) {
                return new Backup(snapshot, Files.size(snapshot));
            }
        } catch (RuntimeException e) {
            Files.deleteIfExists(snapshot);
            throw e;
        }
        try {
            Path merged = merge(snapshot, tap);
            return new Backup(merged, Files.size(merged));
        } finally {
            Files.deleteIfExists(snapshot);
        }
    }

    /** The version mark with {@code revision} and one set line per entry live now. */
    private Path writeSnapshot(long revision) throws IOException {
        Path file = Files.createTempFile(directory.path(), FILE_PREFIX, ".snapshot");
        long now = clock.millis();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), BUFFER_BYTES)) {
            out.write(encoder.encodeVersionMark(revision));
            store.forEachLive(now, (key, entry) -> {
                try {
                    out.write(encoder.encodeEntry(entry, now));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            deleteQuietly(file);
            throw e.getCause();
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(file);
            throw e;
        }
        return file;
    }

    /**
     * The version mark with the revision the tap closed at, the snapshot's lines but its mark and those of keys
     * the tap saw, then the tap's entry of each key it saw that is still live.
     */
    private Path merge(Path snapshot, WriteTap tap) throws IOException {
        Path file = Files.createTempFile(directory.path(), FILE_PREFIX, ".ndjson");
        CRC32C crc = new CRC32C();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(snapshot), BUFFER_BYTES);
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), BUFFER_BYTES)) {
            out.write(encoder.encodeVersionMark(tap.closedAt()));
            byte[] line = new byte[256];
            int length;
            while ((length = readLine(in, line)) >= 0) {
                if (length > line.length) {
                    line = Arrays.copyOf(line, Integer.highestOneBit(length) << 1);
                    continue;
                }
                WalDecoder.Line decoded = decode(line, length, crc);
                if (decoded.kind() == WalDecoder.Line.Kind.WRITE && !tap.touched(decoded.op().key())) {
                    out.write(line, 0, length);
                    out.write('\n');
                }
            }
            long now = clock.millis();
            for (Entry entry : tap.finalEntries()) {
                if (entry.isLiveAt(now)) {
                    out.write(encoder.encodeEntry(entry, now));
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(file);
            throw e;
        }
        return file;
    }

    private static WalDecoder.Line decode(byte[] line, int length, CRC32C crc) throws IOException {
        try {
            return WalDecoder.parse(line, 0, length, crc);
        } catch (WalDecoder.BadLineException e) {
            throw new IOException("the backup's own snapshot has a bad line: " + e.getMessage());
        }
    }

    /**
     * Reads the next line (without its newline) into {@code line} and returns its length, or -1 at the end.
     * A line longer than {@code line} is not consumed: its length is returned so the caller can grow the buffer
     * and read it again.
     */
    private static int readLine(InputStream in, byte[] line) throws IOException {
        in.mark(line.length + 1);
        int n = 0;
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                return n;
            }
            if (n == line.length) {
                in.reset();
                return line.length + 1;
            }
            line[n++] = (byte) b;
        }
        return n == 0 ? -1 : n;
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Compaction.log.warn("cannot delete {}: {}", file, e.toString());
        }
    }
}
