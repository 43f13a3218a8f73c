package kvstore.raft;

import kvstore.core.Backup;
import kvstore.core.wal.WalEncoder;
import org.apache.ratis.statemachine.SnapshotInfo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Backups of a member, made from its snapshots: a snapshot file is already the backup format (see
 * {@link SnapshotWriter}), so a backup is that file, linked under the data directory where no snapshot
 * pruning reaches it, and deleted once served.
 *
 * <p>Threads: any thread; it holds no state.
 */
final class Snapshots {
    private static final String BACKUP_PREFIX = "backup-";
    private static final String BACKUP_SUFFIX = ".snapshot";
    /** A newer snapshot may prune the one being linked; the next attempt links the newer one. */
    private static final int ATTEMPTS = 3;

    private Snapshots() {
    }

    /** The latest snapshot of {@code stateMachine} as a backup file under {@code dataDir}. */
    static Backup backupOfLatest(KvStateMachine stateMachine, Path dataDir) throws IOException {
        Path target = dataDir.resolve(BACKUP_PREFIX + UUID.randomUUID() + BACKUP_SUFFIX);
        for (int attempt = 1; ; attempt++) {
            SnapshotInfo latest = stateMachine.getLatestSnapshot();
            if (latest == null) {
                // Nothing was ever applied: the backup of an empty store.
                Files.write(target, new WalEncoder().encodeVersionMark(0));
                return new Backup(target, Files.size(target));
            }
            Path snapshot = latest.getFiles().get(0).getPath();
            try {
                linkOrCopy(snapshot, target);
                return new Backup(target, Files.size(target));
            } catch (NoSuchFileException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static void linkOrCopy(Path snapshot, Path target) throws IOException {
        try {
            Files.createLink(target, snapshot);
        } catch (FileAlreadyExistsException | NoSuchFileException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(snapshot, target);
        }
    }

    /** Deletes the backup files a stop left behind. */
    static void deleteLeftoverBackups(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dataDir, BACKUP_PREFIX + "*" + BACKUP_SUFFIX)) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }
}
