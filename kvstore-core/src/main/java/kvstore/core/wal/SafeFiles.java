package kvstore.core.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The file-system steps of crash-safe file replacement that the JDK does not name. */
final class SafeFiles {
    private SafeFiles() {
    }

    /**
     * Forces a directory's entries (a rename, a new file) to disk. Without it a rename can be lost on power
     * failure even though both files were fsynced.
     */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
