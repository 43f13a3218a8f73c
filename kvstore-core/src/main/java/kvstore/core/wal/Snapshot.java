package kvstore.core.wal;

import kvstore.core.CompactionProbe;
import kvstore.core.store.Store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The next log, as compaction writes it: the version mark with the store's revision when the snapshot began,
 * and one set line per entry (with its absolute expiry and its revision figures), under {@link WalFormat#COMPACT_FILE_NAME}, fsynced every few megabytes so the disk never sees one
 * huge flush. Written on the snapshot thread, then handed to the log worker, which appends the writes made
 * meanwhile and installs it (see {@link Compaction}).
 */
final class Snapshot {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final long FSYNC_EVERY_BYTES = 4 << 20;

    /**
     * Where the live log stood when the snapshot began, between two groups: the writes after {@code logBytes} are
     * carried over, and all of them have revisions above {@code revision}.
     */
    record Start(long logBytes, long revision, long nanos) {
    }

    final Start start;
    final LogFile file;

    private Snapshot(Start start, LogFile file) {
        this.start = start;
        this.file = file;
    }

    /** Writes every entry of {@code store}, as of {@code nowMillis}, to a new file at {@code file}'s path. */
    static Snapshot write(Store store, long nowMillis, LogFile file, Start start, CompactionProbe probe)
            throws IOException {
        WalEncoder encoder = new WalEncoder();
        List<byte[]> chunk = new ArrayList<>();
        int[] chunkBytes = {0};
        long[] sinceForce = {0};
        chunk.add(encoder.encodeVersionMark(start.revision()));
        try {
            // Entries already due go too: their expiries, logged later, are changes with revisions of their own.
            store.forEachLive(Long.MIN_VALUE, (key, entry) -> {
                byte[] line = encoder.encodeEntry(entry, nowMillis);
                chunk.add(line);
                chunkBytes[0] += line.length;
                if (chunkBytes[0] >= CHUNK_BYTES) {
                    flush(file, chunk, sinceForce);
                    chunkBytes[0] = 0;
                }
            });
            flush(file, chunk, sinceForce);
            file.force();
            probe.reached(CompactionProbe.Point.TEMP_WRITTEN);
            return new Snapshot(start, file);
        } catch (UncheckedIOException e) {
            discard(file);
            throw e.getCause();
        } catch (IOException | RuntimeException | Error e) {
            discard(file);
            throw e;
        }
    }

    /** Drops the snapshot: closes and deletes its file; the live log stays as it is. */
    void abandon() {
        discard(file);
    }

    private static void flush(LogFile file, List<byte[]> chunk, long[] sinceForce) {
        try {
            long before = file.size();
            file.append(chunk);
            chunk.clear();
            sinceForce[0] += file.size() - before;
            if (sinceForce[0] >= FSYNC_EVERY_BYTES) {
                file.force();
                sinceForce[0] = 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void discard(LogFile file) {
        try {
            file.close();
            Files.deleteIfExists(file.path());
        } catch (IOException e) {
            Compaction.log.warn("cannot delete {}: {}", file.path(), e.toString());
        }
    }
}
