package kvstore.raft;

import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Ratis properties of a member's server and of its in-process client, from a {@link MemberConfig}. */
final class RaftSettings {
    /** Requests one member's client may have in flight; past it Ratis would block the submitting thread. */
    private static final int OUTSTANDING_REQUESTS = 16_384;

    private RaftSettings() {
    }

    static RaftProperties server(MemberConfig config, Member self) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").toFile()));
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
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, config.snapshotEveryEntries()));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
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
        return p;
    }

    private static TimeDuration millis(long ms) {
        return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
    }
}
