/**
 * The write-ahead log: its format and codec ({@link kvstore.core.wal.WalFormat}, {@link
 * kvstore.core.wal.WalEncoder}, {@code WalDecoder}, {@link kvstore.core.wal.UnitLines}), replay on open
 * ({@link kvstore.core.wal.WalReplay}, {@link kvstore.core.wal.LoggedUnit}, {@code LogRepair}), the single writer
 * ({@link kvstore.core.wal.LogWorker}, {@code LogTaskQueue}, {@code GroupCommit}, {@code GroupPlan} and
 * {@code GroupView}, which decide a group's expiries, checks and revisions before it is written,
 * {@code BetweenGroupRequests}, {@code LogFile}) and compaction ({@code Compaction},
 * {@link kvstore.core.wal.CompactionPolicy}, {@code Snapshot}, {@code LogRetirer}) and backups
 * ({@link kvstore.core.wal.BackupWriter}, {@code WriteTap}), in a {@link kvstore.core.wal.DataDirectory}.
 *
 * <p>Threads: the log worker's thread ({@code kvstore-wal-writer}) owns the live {@code LogFile}, the group
 * commit and its plan (it assigns every revision and applies every write and expiry to the store), all
 * compaction state and the open backup taps ({@code BetweenGroupRequests}); other threads reach it
 * only through its {@code LogTaskQueue} of {@code LogTask}s. Under everysec the fsync thread
 * ({@code kvstore-wal-fsync}) forces the live log's channel while the worker goes on appending, and wakes the
 * worker with a task when done; the worker collects the outcome ({@code BackgroundForce}). The
 * snapshot thread ({@code kvstore-compactor}) owns the next log until it hands it over as a task. The retirer
 * thread owns the replaced log's channel once compaction gave it away. A backup thread ({@code kvstore-backup})
 * owns its temporary files, and reads its tap once the worker has closed it. Encoders belong to one thread each.
 * Replay runs before any of these, on the opening thread and its applying thread.
 */
package kvstore.core.wal;
