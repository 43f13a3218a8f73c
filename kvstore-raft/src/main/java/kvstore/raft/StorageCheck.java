package kvstore.raft;

import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.util.SizeInBytes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Why a member could not start on its storage, in words an operator can act on: Ratis reports a damaged log
 * only as "Failed to initRaftLog", so the segments are read again here to name the file at fault, with the
 * remedy. A damaged snapshot already names itself ({@link KvStateMachine}).
 *
 * <p>Threads: the starting thread; it holds no state.
 */
final class StorageCheck {
    private StorageCheck() {
    }

    /** The message of a failed start of the member whose Raft storage is {@code raftDir}. */
    static String explain(Path raftDir, long maxEntryBytes, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.startsWith("snapshot ") && m.contains(KvStateMachine.REMEDY)) {
                return m;
            }
            if (m != null && m.contains("MAX_OP_SIZE")) {
                return "the replicated log under " + raftDir + " holds an entry larger than this member accepts ("
                        + maxEntryBytes + " bytes, from --max-body): start it with the --max-body it ran with";
            }
        }
        String damaged = firstDamagedSegment(raftDir, maxEntryBytes);
        if (damaged != null) {
            return damaged;
        }
        String m = failure.getMessage();
        return m != null ? m : failure.toString();
    }

    /** The first log segment under {@code raftDir} that cannot be read whole, described, or null. */
    static String firstDamagedSegment(Path raftDir, long maxEntryBytes) {
        for (Path file : segments(raftDir)) {
            LogSegmentPath segment = LogSegmentPath.matchLogSegment(file);
            if (segment == null) {
                continue;
            }
            try {
                LogSegment.readSegmentFile(file.toFile(), segment.getStartEnd(), SizeInBytes.valueOf(maxEntryBytes),
                        RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, null);
            } catch (IOException | RuntimeException e) {
                return "the replicated log file " + file + " is damaged (" + e.getMessage() + "): "
                        + KvStateMachine.REMEDY;
            }
        }
        return null;
    }

    private static List<Path> segments(Path raftDir) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(raftDir)) {
            return found;
        }
        try (Stream<Path> files = Files.walk(raftDir, 3)) {
            files.filter(f -> f.getParent().getFileName().toString().equals("current")
                    && f.getFileName().toString().startsWith("log_")).sorted().forEach(found::add);
        } catch (IOException | RuntimeException e) {
            return found;
        }
        return found;
    }
}
