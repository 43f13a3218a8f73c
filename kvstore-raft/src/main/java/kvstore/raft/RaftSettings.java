package kvstore.raft;

import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Ratis properties of a member's server and of its in-process client, from a {@link MemberConfig}; and the
 * largest entry a member may propose, sized from {@code --max-body}: every limit Ratis puts on an entry's size
 * (its log's write buffer, one append to a follower, a gRPC message, the queues of pending writes) is set here
 * from that one figure, so none of them can refuse an entry that passed it (Ratis answers such an entry with an
 * error that costs the leader its role).
 */
final class RaftSettings {
    /** Requests one member's client may have in flight; past it Ratis would block the submitting thread. */
    private static final int OUTSTANDING_REQUESTS = 16_384;
    /**
     * An entry's log lines may outgrow the body they came from: each operation of a batch gains a timestamp and a
     * checksum, about twice a minimal operation's text. Past this many times the body a write gets a 413.
     */
    private static final int GROWTH = 2;
    /** Room for the entry's own framing and Ratis's envelope around it. */
    private static final long ENVELOPE_BYTES = 1 << 20;
    /** Ratis's own defaults, kept as floors: a small --max-body never shrinks them. */
    private static final long MIN_ENTRY_BYTES = 4L << 20;
    private static final long MIN_QUEUE_BYTES = 64L << 20;
    /** Ratis keeps an entry in one array and frames it with an int: stay far below 2 GiB. */
    private static final long MAX_ENTRY_BYTES = 1L << 30;
    /**
     * A member that lacks the log it needs gets a snapshot in chunks of this size, each one message: Ratis's 16 MiB
     * is held whole at both ends and must reach a busy member within the request timeout.
     */
    static final SizeInBytes SNAPSHOT_CHUNK = SizeInBytes.valueOf("4MB");
    /**
     * How long the leader waits before it tries again a follower that failed (pairs of wait, attempts; each wait
     * drawn from half to one and a half of it). Ratis waits 5 s after 30 failures, so a member restarted after a
     * minute down heard from the leader only seconds later, while its own election timer ran out and it asked
     * for votes in vain. A refused connection costs the leader next to nothing, once a second.
     */
    static final String FOLLOWER_RETRY_WAITS = "1ms,10, 100ms,20, 1s," + Integer.MAX_VALUE;

    private RaftSettings() {
    }

    static RaftProperties server(MemberConfig config, Member self) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(config.raftDir().toFile()));
        GrpcConfigKeys.Server.setHost(p, self.host());
        GrpcConfigKeys.Server.setPort(p, self.raftPort());
        // Three JVMs on two shared cores with GC pauses: Ratis's 150-300 ms would elect all the time.
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(config.electionTimeoutMinMillis()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(config.electionTimeoutMaxMillis()));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, config.leaderLease());
        // Ratis logs each new commit index as an extra entry, which every member fsyncs in the way of the next
        // write. Raft needs no record of it: a restarted member learns it again from the leader, and until then
        // it applies nothing past its snapshot, so only its ?consistency=local reads lag for that moment.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Read.setTimeout(p, millis(config.writeTimeoutMillis()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, config.snapshotEveryEntries()));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        long entry = maxEntryBytes(config);
        // Ratis refuses to append an entry larger than one append to a follower may carry; its log's write
        // buffer (direct memory, allocated once) must hold the largest entry with its length and checksum.
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(entry));
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, FOLLOWER_RETRY_WAITS);
        RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SNAPSHOT_CHUNK);
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(entry + 8));
        RaftServerConfigKeys.Log.setQueueByteLimit(p, SizeInBytes.valueOf(Math.max(MIN_QUEUE_BYTES, 2 * entry)));
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(Math.max(MIN_QUEUE_BYTES, 2 * entry)));
        messageSize(p, entry);
        // An append that carries a large entry to a busy follower may take seconds; Ratis's 3 s would cancel it
        // and send it again, for ever. The write waits this long anyway.
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(Math.max(3000, config.writeTimeoutMillis())));
        return p;
    }

    static RaftProperties client(MemberConfig config) {
        return client(config, Math.min(3000, config.writeTimeoutMillis()));
    }

    /** A client's properties whose each call waits {@code requestTimeoutMillis} for its answer before it is retried. */
    static RaftProperties client(MemberConfig config, long requestTimeoutMillis) {
        RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, OUTSTANDING_REQUESTS);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeoutMillis));
        messageSize(p, maxEntryBytes(config));
        return p;
    }

    /**
     * The largest entry this member proposes, and every member accepts: room for the largest write {@code
     * --max-body} lets in, in the log's lines, with Ratis's envelope around it. A member refuses a larger write
     * with a 413 before it reaches Ratis.
     */
    static long maxEntryBytes(MemberConfig config) {
        long wanted = GROWTH * config.maxBodyBytes() + ENVELOPE_BYTES;
        return Math.min(MAX_ENTRY_BYTES, Math.max(MIN_ENTRY_BYTES, wanted));
    }

    /** The largest write (as {@link WalCodec#encode} makes it) that fits in an entry. */
    static long maxWriteBytes(MemberConfig config) {
        return maxEntryBytes(config) - ENVELOPE_BYTES;
    }

    /** A gRPC message carries one append: the entries it holds and the request around them. */
    private static void messageSize(RaftProperties p, long entryBytes) {
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(Math.max(MIN_QUEUE_BYTES, entryBytes + ENVELOPE_BYTES)));
    }

    private static TimeDuration millis(long ms) {
        return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
    }
}
