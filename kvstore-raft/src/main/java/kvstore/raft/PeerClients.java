package kvstore.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One in-process Ratis client per other member, each sending to that member first (see {@link WriteRouter}),
 * made the first time a write goes to that member. The members are those of the log's latest configuration, so a
 * member added online is reached as one that founded the group; a removed one is no longer asked for.
 *
 * <p>Threads: any thread may call; clients are made at most once per member.
 */
final class PeerClients implements AutoCloseable {
    private final MemberConfig config;
    private final RaftPeerId selfId;
    /** The members of the configuration this member knows now. */
    private final Supplier<List<RaftPeer>> members;
    private final Map<RaftPeerId, RaftClient> clients = new ConcurrentHashMap<>();
    private volatile boolean closed;

    PeerClients(MemberConfig config, RaftPeerId selfId, Supplier<List<RaftPeer>> members) {
        this.config = config;
        this.selfId = selfId;
        this.members = members;
    }

    /** The client that sends to {@code leader} first, or null when it is this member or not a member known here. */
    RaftClient of(RaftPeerId leader) {
        RaftClient client = clients.get(leader);
        if (client != null || closed || leader.equals(selfId)) {
            return client;
        }
        List<RaftPeer> peers = members.get();
        if (peers.stream().noneMatch(p -> p.getId().equals(leader))) {
            return null;
        }
        return clients.computeIfAbsent(leader, id -> newClient(peers, id));
    }

    /**
     * A client of the group {@code peers} that sends to {@code leader} first, tried again for up to the write
     * timeout. A fresh client id per client: call ids restart at 0, and the retry cache must not take a new write
     * for a retry of one sent before a restart.
     */
    private RaftClient newClient(List<RaftPeer> peers, RaftPeerId leader) {
        return RaftClient.newBuilder()
                .setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(RaftEngine.GROUP_ID, peers))
                .setLeaderId(leader)
                .setProperties(RaftSettings.client(config))
                .setParameters(PeerTls.parametersOf(config.peerTls()))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(1, config.writeTimeoutMillis() / 100),
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        for (RaftClient client : clients.values()) {
            client.close();
        }
    }
}
