package kvstore.core.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * A data directory held by this process: locked against other kvstore processes (and against a second open in
 * this one), with the directory itself kept open so that forcing a rename never needs a new file descriptor,
 * which a flood of connections can exhaust.
 */
public final class DataDirectory implements AutoCloseable {
    private static final Set<Path> OPEN_IN_THIS_PROCESS = new HashSet<>();

    private final Path path;
    private final Path lockPath;
    private final FileChannel lock;
    private final FileChannel directory;

    private DataDirectory(Path path, Path lockPath, FileChannel lock, FileChannel directory) {
        this.path = path;
        this.lockPath = lockPath;
        this.lock = lock;
        this.directory = directory;
    }

    /**
     * Creates {@code dir} when missing and takes its lock.
     *
     * @throws IOException when it cannot be created or opened, or another kvstore holds it
     */
    public static DataDirectory lock(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path lockPath = dir.toRealPath().resolve("LOCK");
        synchronized (OPEN_IN_THIS_PROCESS) {
            // A second channel on the LOCK file would release this process's lock when closed (POSIX locks
            // belong to the process), so a directory already open here is refused before touching the file.
            if (!OPEN_IN_THIS_PROCESS.add(lockPath)) {
                throw new IOException("data dir " + dir + " is in use: already open in this process");
            }
        }
        FileChannel lock = null;
        try {
            lock = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held = lock.tryLock();
            if (held == null) {
                throw new IOException("data dir " + dir + " is in use by another kvstore process");
            }
            return new DataDirectory(dir, lockPath, lock, FileChannel.open(dir, StandardOpenOption.READ));
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            release(lockPath);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The path of {@code name} inside the directory. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Forces the directory's entries (a rename, a new file) to disk; until then a rename can be lost. */
    void force() throws IOException {
        directory.force(true);
    }

    @Override
    public void close() throws IOException {
        try (lock; directory) {
            release(lockPath);
        }
    }

    private static void release(Path lockPath) {
        synchronized (OPEN_IN_THIS_PROCESS) {
            OPEN_IN_THIS_PROCESS.remove(lockPath);
        }
    }
}
