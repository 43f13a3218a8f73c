package kvstore.core.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Frees the log that compaction replaced, off the writer's thread, once its rename is durable. The last close
 * of a large unlinked file frees all its blocks at once, and the journal commit that records it then holds up
 * the writer's next fsync; Redis closes its old AOF in a background thread for the first reason. Cutting the
 * file down a few megabytes at a time, with a short pause between cuts, spreads the freeing over several
 * small journal commits instead of one large one.
 */
final class LogRetirer {
    private static final long STEP_BYTES = 4 << 20;
    private static final long PAUSE_MILLIS = 2;

    private LogRetirer() {
    }

    /** Frees and closes {@code replaced} on a daemon thread of its own. */
    static void retire(FileChannel replaced) {
        Thread closer = new Thread(() -> {
            try (replaced) {
                for (long size = replaced.size() - STEP_BYTES; size > 0; size -= STEP_BYTES) {
                    replaced.truncate(size);
                    Thread.sleep(PAUSE_MILLIS);
                }
            } catch (IOException e) {
                Compaction.log.warn("freeing the replaced log failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kvstore-log-retirer");
        closer.setDaemon(true);
        closer.start();
    }
}
