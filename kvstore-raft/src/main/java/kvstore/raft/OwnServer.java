package kvstore.raft;

import kvstore.core.time.NanoClock;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.server.RaftServer;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * This member's own Raft server, called without a trip through gRPC, and always from one thread of its own
 * ({@code raft-engine-submit}): Ratis's {@code submitClientRequestAsync} waits until Ratis's client executor has
 * taken the request, and that wait must never hold up an event loop.
 *
 * <p>Threads: any thread may call; the submitting thread makes the calls; replies complete on Ratis's threads.
 */
final class OwnServer implements AutoCloseable {
    private final RaftServer server;
    private final RaftPeerId selfId;
    private final NanoClock clock;
    private final ExecutorService submitting = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "raft-engine-submit");
        t.setDaemon(true);
        return t;
    });

    OwnServer(RaftServer server, RaftPeerId selfId, NanoClock clock) {
        this.server = server;
        this.selfId = selfId;
        this.clock = clock;
    }

    RaftPeerId id() {
        return selfId;
    }

    /** The kvstore group's division of the server: its role, log and state machine. */
    RaftServer.Division division() {
        try {
            return server.getDivision(RaftEngine.GROUP_ID);
        } catch (IOException e) {
            throw new IllegalStateException("the kvstore Raft group is not running on this member", e);
        }
    }

    /** The voting members of the latest configuration in this member's log (none before a joining member is added). */
    List<RaftPeer> members() {
        return List.copyOf(division().getRaftConf().getCurrentPeers());
    }

    /** The leader this member knows, or null. */
    RaftPeerId knownLeader() {
        try {
            return server.getDivision(RaftEngine.GROUP_ID).getInfo().getLeaderId();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Submits a request as {@code client}'s call {@code callId}; the reply fails once {@code deadline}
     * ({@link NanoClock}) has passed.
     */
    CompletableFuture<RaftClientReply> submit(ClientId client, long callId, Message message,
                                              RaftClientRequest.Type type, long deadline) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(client)
                .setServerId(selfId)
                .setGroupId(RaftEngine.GROUP_ID)
                .setCallId(callId)
                .setMessage(message)
                .setType(type)
                .build();
        return call(() -> {
            try {
                return server.submitClientRequestAsync(request);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }).orTimeout(Math.max(1, deadline - clock.nanos()), TimeUnit.NANOSECONDS);
    }

    /** Asks for a snapshot of everything applied (none when nothing was applied since the last one). */
    CompletableFuture<RaftClientReply> snapshot(ClientId client, long callId, long timeoutMillis) {
        SnapshotManagementRequest request = SnapshotManagementRequest.newCreate(client, selfId, RaftEngine.GROUP_ID,
                callId, timeoutMillis, 1);
        return call(() -> server.snapshotManagementAsync(request));
    }

    /** Runs {@code call} on the submitting thread; a stopped thread fails it as an interrupted call would. */
    private CompletableFuture<RaftClientReply> call(Supplier<CompletableFuture<RaftClientReply>> call) {
        try {
            return CompletableFuture.supplyAsync(call, submitting).thenCompose(reply -> reply);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IOException("the member is stopping", e));
        }
    }

    /** Stops the submitting thread and then the server. */
    @Override
    public void close() throws IOException {
        submitting.shutdownNow();
        server.close();
    }
}
