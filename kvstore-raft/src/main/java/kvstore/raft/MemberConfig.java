package kvstore.raft;

import kvstore.core.LocalEngine;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;

import java.nio.file.Path;
import java.util.List;

/**
 * How to run a cluster member: who the members are, where its data lives, and its timeouts and limits.
 *
 * @param dataDir the Raft log and snapshots go under {@code dataDir/raft}
 * @param writeTimeoutMillis how long a write (or a linearizable read) may wait for a majority
 * @param snapshotEveryEntries take a snapshot (and purge the log behind it) after this many entries
 * @param leaderLease whether the leader confirms reads from its lease rather than a round to a majority
 * @param maxMemoryBytes the ceiling of the data set's estimated memory: a write that would pass it is refused
 * @param maxBodyBytes the largest request body the member's HTTP server takes ({@code --max-body}): replication
 *                     sizes its entries from it (see {@link RaftSettings#maxEntryBytes})
 * @param clock the wall clock writes are stamped with; {@code nanoClock} times waits and snapshots
 * @param joining whether the member joins a running cluster (it is added by {@code POST /cluster/members}) rather
 *                than founding one with {@code members}
 * @param peerTls the certificates of mutual TLS between members, or null for plain connections
 */
public record MemberConfig(String nodeId, List<Member> members, Path dataDir, long writeTimeoutMillis,
                           long electionTimeoutMinMillis, long electionTimeoutMaxMillis, long snapshotEveryEntries,
                           boolean leaderLease, long maxMemoryBytes, long maxBodyBytes, EpochClock clock,
                           NanoClock nanoClock, boolean joining, PeerTls peerTls) {
    /** The HTTP server's default {@code --max-body}. */
    public static final long DEFAULT_MAX_BODY = 1 << 20;

    public MemberConfig {
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.id().equals(nodeId))) {
            throw new IllegalArgumentException("node id '" + nodeId + "' is not one of the peers");
        }
    }

    /**
     * Defaults for a member on a shared machine: 10 s write timeout, elections after 1.5 to 3 s, no lease, the
     * single server's default memory ceiling and body limit.
     */
    public static MemberConfig of(String nodeId, List<Member> members, Path dataDir) {
        return new MemberConfig(nodeId, members, dataDir, 10_000, 1_500, 3_000, 100_000, false,
                LocalEngine.Config.defaultMaxMemory(), DEFAULT_MAX_BODY, EpochClock.SYSTEM, NanoClock.SYSTEM, false, null);
    }

    public MemberConfig withWriteTimeoutMillis(long millis) {
        return new MemberConfig(nodeId, members, dataDir, millis, electionTimeoutMinMillis, electionTimeoutMaxMillis,
                snapshotEveryEntries, leaderLease, maxMemoryBytes, maxBodyBytes, clock, nanoClock, joining, peerTls);
    }

    public MemberConfig withSnapshotEveryEntries(long entries) {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, entries, leaderLease, maxMemoryBytes, maxBodyBytes, clock, nanoClock, joining, peerTls);
    }

    public MemberConfig withMaxMemory(long bytes) {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, snapshotEveryEntries, leaderLease, bytes, maxBodyBytes, clock, nanoClock, joining, peerTls);
    }

    public MemberConfig withLeaderLease(boolean lease) {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, snapshotEveryEntries, lease, maxMemoryBytes, maxBodyBytes, clock, nanoClock, joining, peerTls);
    }

    public MemberConfig withMaxBody(long bytes) {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, snapshotEveryEntries, leaderLease, maxMemoryBytes, bytes, clock, nanoClock, joining, peerTls);
    }

    /** The same member on other clocks (tests). */
    public MemberConfig withClocks(EpochClock epoch, NanoClock nanos) {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, snapshotEveryEntries, leaderLease, maxMemoryBytes, maxBodyBytes, epoch, nanos, joining, peerTls);
    }

    /**
     * After how many entries since its latest snapshot this member takes the next: {@code snapshotEveryEntries},
     * later by up to half of it depending on the member's place in {@code members}, so that members do not all
     * write a snapshot at once.
     */
    public long snapshotThreshold() {
        int place = members.indexOf(self());
        return snapshotEveryEntries + snapshotEveryEntries * place / (2L * members.size());
    }

    /** As this configuration, for a member that joins a running cluster instead of founding one. */
    public MemberConfig asJoining() {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, snapshotEveryEntries, leaderLease, maxMemoryBytes, maxBodyBytes, clock,
                nanoClock, true, peerTls);
    }

    public MemberConfig withPeerTls(PeerTls tls) {
        return new MemberConfig(nodeId, members, dataDir, writeTimeoutMillis, electionTimeoutMinMillis,
                electionTimeoutMaxMillis, snapshotEveryEntries, leaderLease, maxMemoryBytes, maxBodyBytes, clock,
                nanoClock, joining, tls);
    }

    /** Where Ratis keeps this member's log and snapshots. */
    public Path raftDir() {
        return dataDir.resolve("raft");
    }

    /** This member, as {@code members} lists it. */
    public Member self() {
        return members.stream().filter(m -> m.id().equals(nodeId)).findFirst().orElseThrow();
    }
}
