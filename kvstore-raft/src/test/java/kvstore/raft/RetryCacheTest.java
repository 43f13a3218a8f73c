package kvstore.raft;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.time.NanoClock;
import kvstore.core.store.Outcome;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A retried call (the same client id and call id, as a member's Ratis client sends after a failover) is answered
 * from Ratis's retry cache and never applied twice. One member on its own, in this process: it elects itself.
 */
class RetryCacheTest {
    @TempDir
    Path dir;
    private OwnServer member;

    @AfterEach
    void stop() throws IOException {
        if (member != null) {
            member.close();
        }
    }

    @Test
    void shouldAnswerARetryFromTheRetryCacheWithoutApplyingItAgain() throws Exception {
        KvStateMachine stateMachine = startAlone();
        ClientId client = ClientId.randomId();
        Message put = entryOf(new Op.Set(bytes("k"), bytes("1"), Entry.NEVER));

        assertFalse(existed(submit(client, 7, put)), "the first put created the key");
        long applied = stateMachine.getLastAppliedTermIndex().getIndex();
        assertFalse(existed(submit(client, 7, put)), "the retry gets the first answer again");
        assertEquals(applied, stateMachine.getLastAppliedTermIndex().getIndex(), "and nothing more was applied");

        assertTrue(existed(submit(client, 8, put)), "a new call is a new write: it finds the key");
    }

    private KvStateMachine startAlone() throws Exception {
        int raftPort;
        try (ServerSocket s = new ServerSocket(0)) {
            raftPort = s.getLocalPort();
        }
        MemberConfig config = MemberConfig.of("n1", List.of(new Member("n1", "127.0.0.1", 1, raftPort)), dir);
        RaftPeer self = RaftPeer.newBuilder().setId("n1").setAddress(config.self().raftAddress()).build();
        KvStateMachine stateMachine = new KvStateMachine(config.clock());
        RaftServer server = RaftServer.newBuilder()
                .setGroup(RaftGroup.valueOf(RaftEngine.GROUP_ID, self))
                .setServerId(self.getId())
                .setProperties(RaftSettings.server(config, config.self()))
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        member = new OwnServer(server, RaftPeerId.valueOf("n1"), NanoClock.SYSTEM);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!member.division().getInfo().isLeader()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("a member on its own did not become leader");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        // A new leader takes writes once its first entry of the term is applied; until then it says not ready.
        submit(ClientId.randomId(), 1, entryOf(new Op.Set(bytes("ready"), bytes("1"), Entry.NEVER)));
        return stateMachine;
    }

    private RaftClientReply submit(ClientId client, long callId, Message entry) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            RaftClientReply reply = member.submit(client, callId, entry, RaftClientRequest.writeRequestType(), deadline)
                    .get(30, TimeUnit.SECONDS);
            if (reply.isSuccess() || System.nanoTime() - deadline > 0) {
                assertTrue(reply.isSuccess(), () -> String.valueOf(reply.getException()));
                return reply;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static boolean existed(RaftClientReply reply) {
        List<Outcome> results = Results.decode(reply.getMessage().getContent().asReadOnlyByteBuffer());
        return results.get(0).results().get(0).existed();
    }

    private static Message entryOf(Op op) {
        long now = System.currentTimeMillis();
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(
                WalCodec.encodeEntry(now, List.of(WalCodec.encode(List.of(op), now)))));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
