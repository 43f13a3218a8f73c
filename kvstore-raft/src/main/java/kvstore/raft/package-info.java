/**
 * Replication on Apache Ratis: kvstore's {@link kvstore.core.store.Store} as the state machine of a Raft
 * group, and {@link kvstore.raft.RaftEngine}, the {@link kvstore.core.Engine} of a cluster member.
 *
 * <p>Threads: Ratis's apply thread is the only writer of the store (log order, one entry at a time) and
 * also takes snapshots; HTTP event loops read the store directly, and submit writes and read barriers
 * either straight to the member's own server or, for a write while another member leads, through an
 * in-process Ratis client; their futures complete on Ratis's threads or on the engine's timer thread.
 */
package kvstore.raft;
