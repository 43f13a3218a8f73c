package kvstore.netty.cli;

import kvstore.netty.security.TlsFiles;
import kvstore.raft.Member;
import kvstore.raft.MemberConfig;
import kvstore.raft.PeerTls;
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

    @Option(names = "--join", defaultValue = "${env:KVSTORE_JOIN}", paramLabel = "HOST:PORT",
            description = "Cluster mode: join the running cluster that has a member at this HTTP address, instead of "
                    + "founding one; --peers then needs only this member's own entry, and a member adds it with "
                    + "POST /cluster/members (env KVSTORE_JOIN).")
    String join;

    @Option(names = "--peer-tls-cert", defaultValue = "${env:KVSTORE_PEER_TLS_CERT}",
            description = "Cluster mode: PEM certificate this member presents to the others, signed by --peer-tls-ca "
                    + "and naming its raft host; members then talk only mutual TLS (env KVSTORE_PEER_TLS_CERT).")
    Path peerTlsCert;

    @Option(names = "--peer-tls-key", defaultValue = "${env:KVSTORE_PEER_TLS_KEY}",
            description = "Cluster mode: PEM (PKCS#8) private key of --peer-tls-cert (env KVSTORE_PEER_TLS_KEY).")
    Path peerTlsKey;

    @Option(names = "--peer-tls-ca", defaultValue = "${env:KVSTORE_PEER_TLS_CA}",
            description = "Cluster mode: PEM certificate of the authority that signs every member's certificate; "
                    + "a peer without one it signed is refused (env KVSTORE_PEER_TLS_CA).")
    Path peerTlsCa;

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
     * @param insecureNoAuth whether {@code --insecure-no-auth} allows a raft port open to other machines in plain text
     * @throws CommandLine.ParameterException naming the option at fault
     */
    MemberConfig config(CommandLine commandLine, Path dataDir, int port, boolean portGiven, boolean insecureNoAuth) {
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
        if (join != null && !join.matches("[^:/\\s]+:\\d{1,5}")) {
            throw bad(commandLine, "--join", "'" + join + "' is not the HTTP address of a member (host:port)");
        }
        PeerTls tls = peerTls(commandLine);
        if (tls == null && !SecurityOptions.isLoopback(self.host()) && !insecureNoAuth) {
            throw bad(commandLine, "--peers", "raft address " + self.raftAddress() + " is reachable from other "
                    + "machines and members would talk in plain text: give --peer-tls-cert, --peer-tls-key and "
                    + "--peer-tls-ca, or --insecure-no-auth to let anyone who reaches the port talk Raft to it");
        }
        MemberConfig config = MemberConfig.of(nodeId, members, dataDir)
                .withWriteTimeoutMillis(Math.round(writeTimeoutSeconds * 1000))
                .withSnapshotEveryEntries(snapshotEntries)
                .withLeaderLease(leaderLease)
                .withPeerTls(tls);
        return join != null ? config.asJoining() : config;
    }

    /** The member's HTTP address to join through, or null when it founds (or has) its cluster. */
    String join() {
        return join;
    }

    /** Mutual TLS between members from the three files, checked; null when none is given. */
    private PeerTls peerTls(CommandLine commandLine) {
        if (peerTlsCert == null && peerTlsKey == null && peerTlsCa == null) {
            return null;
        }
        if (peerTlsCert == null || peerTlsKey == null || peerTlsCa == null) {
            String missing = peerTlsCert == null ? "--peer-tls-cert" : peerTlsKey == null ? "--peer-tls-key" : "--peer-tls-ca";
            throw bad(commandLine, missing, "--peer-tls-cert, --peer-tls-key and --peer-tls-ca go together");
        }
        try {
            TlsFiles.serverContext(peerTlsCert, peerTlsKey);
        } catch (TlsFiles.BadKeyFile e) {
            throw bad(commandLine, "--peer-tls-key", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw bad(commandLine, "--peer-tls-cert", e.getMessage());
        }
        try {
            TlsFiles.requireCertificates(peerTlsCa);
        } catch (IllegalArgumentException e) {
            throw bad(commandLine, "--peer-tls-ca", e.getMessage());
        }
        return new PeerTls(peerTlsCert, peerTlsKey, peerTlsCa);
    }


    private static CommandLine.ParameterException bad(CommandLine commandLine, String option, String why) {
        return new CommandLine.ParameterException(commandLine, "Invalid value for option '" + option + "': " + why);
    }
}
