package kvstore.netty.cli;

import kvstore.raft.Member;
import kvstore.raft.MemberConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The options of cluster mode, mixed into {@link Main}. Without {@code --peers} (and {@code --node-id})
 * the server is a single node and nothing of Raft starts.
 */
final class ClusterOptions {
    @Option(names = "--node-id", defaultValue = "${env:KVSTORE_NODE_ID}",
            description = "Cluster mode: this member's id, one of those in --peers (env KVSTORE_NODE_ID).")
    String nodeId;

    @Option(names = "--peers", defaultValue = "${env:KVSTORE_PEERS}",
            description = "Cluster mode: every member, itself included, as id=host:httpPort:raftPort,... "
                    + "(env KVSTORE_PEERS).")
    String peers;

    @Option(names = "--write-timeout", defaultValue = "${env:KVSTORE_WRITE_TIMEOUT:-10}",
            description = "Cluster mode: seconds a write or linearizable read waits for a majority before a 503 "
                    + "(env KVSTORE_WRITE_TIMEOUT, default 10).")
    double writeTimeoutSeconds;

    @Option(names = "--snapshot-entries", defaultValue = "${env:KVSTORE_SNAPSHOT_ENTRIES:-100000}",
            description = "Cluster mode: snapshot the data and purge the replicated log after this many writes "
                    + "(env KVSTORE_SNAPSHOT_ENTRIES, default 100000).")
    long snapshotEntries;

    @Option(names = "--leader-lease", defaultValue = "${env:KVSTORE_LEADER_LEASE:-false}",
            description = "Cluster mode: the leader confirms linearizable reads from its lease instead of asking a "
                    + "majority each time; safe only while members' clocks run at the same rate "
                    + "(env KVSTORE_LEADER_LEASE, default off).")
    boolean leaderLease;

    /** Whether cluster mode was asked for. */
    boolean enabled() {
        return peers != null || nodeId != null;
    }

    /**
     * The member's configuration, checked.
     *
     * @param portGiven whether {@code --port} was given: it must then agree with this member's HTTP port
     * @throws CommandLine.ParameterException naming the option at fault
     */
    MemberConfig config(CommandLine commandLine, Path dataDir, int port, boolean portGiven) {
        if (peers == null || nodeId == null) {
            throw bad(commandLine, peers == null ? "--peers" : "--node-id",
                    "cluster mode needs both --node-id and --peers");
        }
        List<Member> members;
        try {
            members = Member.parseAll(peers);
        } catch (IllegalArgumentException e) {
            throw bad(commandLine, "--peers", e.getMessage());
        }
        Member self = members.stream().filter(m -> m.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> bad(commandLine, "--node-id", "'" + nodeId + "' is not one of the ids in --peers"));
        if (portGiven && port != self.httpPort()) {
            throw bad(commandLine, "--port", port + " differs from this member's HTTP port in --peers ("
                    + self.httpPort() + ")");
        }
        if (!(writeTimeoutSeconds > 0 && writeTimeoutSeconds <= 3600)) {
            throw bad(commandLine, "--write-timeout", writeTimeoutSeconds + " is not a number of seconds (0 to 3600)");
        }
        if (snapshotEntries < 1) {
            throw bad(commandLine, "--snapshot-entries", snapshotEntries + " is not a positive number");
        }
        return MemberConfig.of(nodeId, members, dataDir)
                .withWriteTimeoutMillis(Math.round(writeTimeoutSeconds * 1000))
                .withSnapshotEveryEntries(snapshotEntries)
                .withLeaderLease(leaderLease);
    }

    private static CommandLine.ParameterException bad(CommandLine commandLine, String option, String why) {
        return new CommandLine.ParameterException(commandLine, "Invalid value for option '" + option + "': " + why);
    }
}
