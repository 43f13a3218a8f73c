/**
 * Replication on Apache Ratis: kvstore's {@link kvstore.core.store.Store} as the state machine of a Raft
 * group, and {@link kvstore.raft.RaftEngine}, the {@link kvstore.core.Engine} of a cluster member.
 *
 * <p>Threads: Ratis's apply thread is the only writer of the store (log order, one entry at a time, holding the
 * state machine's apply lock); snapshots are written beside it on their own thread ({@code raft-snapshot}, see
 * {@link kvstore.raft.SnapshotWriter}), which takes the apply lock only to open and close its tap. HTTP event loops read the store directly and hand writes to the
 * {@link kvstore.raft.WriteCoalescer} and reads to the {@link kvstore.raft.ReadBarriers}, which never block them:
 * calls into the member's own server run on {@link kvstore.raft.OwnServer}'s thread ({@code raft-engine-submit}),
 * and a write while another member leads goes through an in-process Ratis client. Futures complete on Ratis's
 * threads or on the engine's timer thread ({@code raft-engine-timer}), which also retries while no leader is
 * known and links backups.
 */
package kvstore.raft;
