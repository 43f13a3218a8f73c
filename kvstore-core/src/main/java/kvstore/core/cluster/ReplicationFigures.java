package kvstore.core.cluster;

/**
 * What a cluster member's replication has done since it started, for {@code GET /metrics} and {@code GET /stats}.
 *
 * @param elections elections this member started
 * @param logBytes bytes of its replicated log's segments now
 * @param logFlushes flushes of its replicated log, each with its fsync
 * @param appliedEntries entries it applied
 * @param appliedEntryBytes bytes of the entries it applied
 * @param snapshots snapshots it took
 * @param lastSnapshotBytes size of the latest snapshot it took; 0 before any
 * @param lastSnapshotSeconds time the latest snapshot took, from the start of its writing to its checksum; 0 before any
 */
public record ReplicationFigures(long elections, long logBytes, long logFlushes, long appliedEntries,
                                 long appliedEntryBytes, long snapshots, long lastSnapshotBytes,
                                 double lastSnapshotSeconds) {
}
