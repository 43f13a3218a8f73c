package kvstore.raft;

import kvstore.core.WriteFailedException;
import kvstore.core.time.NanoClock;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.protocol.exceptions.StateMachineException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Carries a member's writes to the leader it knows and turns what comes back into results or a
 * {@link WriteFailedException}: {@code NO_QUORUM} when no leader was known for the whole write timeout (the
 * write was never sent), {@code OUTCOME_UNKNOWN} when it was sent and not confirmed in time.
 *
 * <p>Threads: called from any thread; its stages complete on Ratis's threads or on the engine's timer.
 */
final class WriteRouter {
    private static final Logger log = LoggerFactory.getLogger(WriteRouter.class);
    private static final long LEADER_POLL_MILLIS = 50;

    private final OwnServer server;
    /**
     * One client per other member, each sending to that member first: a write goes through the client of the
     * leader this member knows, so it never waits on a leader that the rest of the cluster has already replaced.
     */
    private final PeerClients clients;
    private final ScheduledExecutorService timer;
    private final long writeTimeoutMillis;
    private final BooleanSupplier closed;
    private final NanoClock clock;
    /** The identity of the writes this member submits to its own server while it leads. */
    private final ClientId directClientId = ClientId.randomId();
    private final AtomicLong directCallIds = new AtomicLong();

    WriteRouter(OwnServer server, PeerClients clients, ScheduledExecutorService timer,
                long writeTimeoutMillis, BooleanSupplier closed, NanoClock clock) {
        this.server = server;
        this.clients = clients;
        this.timer = timer;
        this.writeTimeoutMillis = writeTimeoutMillis;
        this.closed = closed;
        this.clock = clock;
    }

    private void whenLeaderKnown(long deadline, CompletableFuture<?> done, Consumer<RaftPeerId> action) {
        RaftPeerId leader = server.knownLeader();
        if (closed.getAsBoolean()) {
            done.completeExceptionally(RaftEngine.shuttingDown());
        } else if (leader != null && (leader.equals(server.id()) || clients.of(leader) != null)) {
            action.accept(leader);
        } else if (clock.nanos() - deadline >= 0) {
            done.completeExceptionally(new WriteFailedException(WriteFailedException.Reason.NO_QUORUM,
                    "no quorum", null));
        } else {
            timer.schedule(() -> whenLeaderKnown(deadline, done, action), LEADER_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Sends the entry {@code message} to the leader this member knows, waiting for one to be known, and
     * completes with the leader's reply (see {@link Results}) or the failure, by {@code deadline}
     * ({@link NanoClock}).
     */
    CompletableFuture<ByteBuffer> submit(Message message, long deadline) {
        CompletableFuture<ByteBuffer> done = new CompletableFuture<>();
        submitToLeader(message, deadline, done);
        return done;
    }

    private void submitToLeader(Message message, long deadline, CompletableFuture<ByteBuffer> done) {
        whenLeaderKnown(deadline, done, leader -> {
            if (leader.equals(server.id())) {
                submitHere(message, deadline, done);
            } else {
                send(clients.of(leader), message, deadline, done);
            }
        });
    }

    /**
     * The leader's own writes go straight to its server, without a trip through gRPC. Not retried, so no
     * retry cache is needed: a refusal because this member no longer leads (or does not yet) means the write
     * was not appended, and it goes to whichever leader is known next.
     */
    private void submitHere(Message message, long deadline, CompletableFuture<ByteBuffer> done) {
        server.submit(directClientId, directCallIds.incrementAndGet(), message, RaftClientRequest.writeRequestType(),
                deadline)
                .whenComplete((r, failure) -> {
                    if (failure == null && r.isSuccess()) {
                        done.complete(r.getMessage().getContent().asReadOnlyByteBuffer());
                    } else if (failure == null && neverAppended(r)) {
                        timer.schedule(() -> submitToLeader(message, deadline, done), LEADER_POLL_MILLIS,
                                TimeUnit.MILLISECONDS);
                    } else {
                        done.completeExceptionally(failed(failure != null ? failure : r.getException()));
                    }
                });
    }

    /**
     * Whether the member refused the write before appending it, because it does not lead (yet, any more) or is
     * still starting: then it can go to whichever leader is known next, and the write waits for one within its
     * bound rather than failing while a majority is up.
     */
    private static boolean neverAppended(RaftClientReply r) {
        return r.getNotLeaderException() != null || r.getException() instanceof LeaderNotReadyException
                || r.getException() instanceof LeaderSteppingDownException
                || r.getException() instanceof ServerNotReadyException;
    }

    private void send(RaftClient client, Message message, long deadline, CompletableFuture<ByteBuffer> done) {
        long remaining = Math.max(1, deadline - clock.nanos());
        client.async().send(message)
                .orTimeout(remaining, TimeUnit.NANOSECONDS)
                .whenComplete((reply, failure) -> {
                    if (failure == null && reply.isSuccess()) {
                        done.complete(reply.getMessage().getContent().asReadOnlyByteBuffer());
                    } else {
                        done.completeExceptionally(failed(failure != null ? failure : reply.getException()));
                    }
                });
    }

    /** The failure in kvstore's words; Ratis's own text goes to the log, never to a client. */
    private WriteFailedException failed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (closed.getAsBoolean()) {
            return RaftEngine.shuttingDown();
        }
        if (cause instanceof StateMachineException) {
            // Refused by startTransaction on the leader: never appended.
            log.warn("the leader refused a write: {}", cause.getMessage());
            return new WriteFailedException(WriteFailedException.Reason.NOT_STORED,
                    "write refused: the leader could not append it", cause);
        }
        String why;
        if (cause instanceof TimeoutException) {
            why = "not committed by a majority within " + writeTimeoutMillis + " ms";
        } else {
            log.debug("a write was not confirmed", cause);
            why = "the leader changed or stopped before confirming it";
        }
        return new WriteFailedException(WriteFailedException.Reason.OUTCOME_UNKNOWN, "outcome unknown: " + why, cause);
    }
}
