package kvstore.core.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One log file open for appending: its channel, its size, whether it holds bytes not yet forced, and the
 * buffer that gathers a group of records into one write. The log worker appends to the live log through one;
 * the snapshot writer fills the next log through another.
 *
 * <p>Not thread-safe: one thread at a time uses it (the log worker, or the snapshot thread until it hands
 * its file over); {@link #size} may be read from any thread, and {@link #forceFromAnotherThread} called from one.
 */
final class LogFile implements AutoCloseable {
    /** Groups larger than this are written record by record rather than copied into the buffer. */
    private static final int MAX_BUFFER = 16 << 20;

    /** Opens a log file for reading and appending; tests substitute a channel that fails on demand. */
    @FunctionalInterface
    interface Opener {
        Opener FILE = file -> FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);

        FileChannel open(Path file) throws IOException;
    }

    private final FileChannel channel;
    /** Where the file is: changes when compaction renames the next log into place. */
    private Path path;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
    private volatile long size;
    private boolean dirty;

    private LogFile(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = channel.size();
    }

    /** Opens {@code path} (created when missing) to append after its current end. */
    static LogFile open(Path path, Opener opener) throws IOException {
        FileChannel channel = opener.open(path);
        try {
            return new LogFile(path, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Creates {@code path} empty, replacing whatever was there. */
    static LogFile create(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new LogFile(path, channel);
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    boolean isDirty() {
        return dirty;
    }

    /**
     * Appends {@code records} with one write (or one per record when they are very large). On failure the file
     * may end with part of them: {@link #cutBack} to the size before.
     */
    void append(List<byte[]> records) throws IOException {
        long total = 0;
        for (byte[] r : records) {
            total += r.length;
        }
        if (total == 0) {
            return;
        }
        if (total > MAX_BUFFER) {
            for (byte[] r : records) {
                writeFully(ByteBuffer.wrap(r));
            }
            return;
        }
        if (buffer.capacity() < total) {
            buffer = ByteBuffer.allocateDirect((int) Math.max(total, Math.min(MAX_BUFFER, buffer.capacity() * 2L)));
        }
        buffer.clear();
        for (byte[] r : records) {
            buffer.put(r);
        }
        buffer.flip();
        writeFully(buffer);
    }

    /** Appends the bytes {@code [from, to)} of {@code source} without copying them through the heap. */
    void appendFrom(LogFile source, long from, long to) throws IOException {
        for (long at = from; at < to; ) {
            long n = source.channel.transferTo(at, to - at, channel.position(size));
            at += n;
            size += n;
            dirty = true;
        }
    }

    /** Cuts the file back to {@code length} bytes, so it ends with a whole record again. */
    void cutBack(long length) throws IOException {
        channel.truncate(length);
        size = length;
    }

    /** Forces what was appended to disk (file data and the size, not other metadata). */
    void force() throws IOException {
        channel.force(false);
        dirty = false;
    }

    /**
     * The appending thread hands a force of what was appended so far to another thread ({@link BackgroundForce}):
     * the file counts as clean until the next append.
     */
    void markForcing() {
        dirty = false;
    }

    /**
     * Forces the file's data from a thread other than the appending one, which a {@link FileChannel} allows while
     * it is written; covers at least every append made before it was called.
     */
    void forceFromAnotherThread() throws IOException {
        channel.force(false);
    }

    /**
     * Renames this file over {@code target}, atomically: a crash leaves either file under that name, whole.
     * The rename is durable only once the directory has been forced.
     */
    void renameOver(Path target) throws IOException {
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        path = target;
    }

    /** The open channel, for a caller that takes over freeing the file (see {@link LogRetirer}). */
    FileChannel channel() {
        return channel;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
        dirty = true;
        while (bytes.hasRemaining()) {
            size += channel.write(bytes, size);
        }
    }
}
