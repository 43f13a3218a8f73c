package kvstore.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A copy of the data set as it stood at one instant, in the log's format and compacted (the version mark, then
 * one set per live key with its absolute expiry): saved as {@code wal.log} in an empty data directory, it
 * starts a server holding exactly that state. It is a temporary file in the data directory: read it, then
 * {@link #close} it, which deletes it.
 *
 * @param file where the copy is
 * @param bytes its size
 */
public record Backup(Path file, long bytes) implements AutoCloseable {
    /** Deletes the file. */
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
