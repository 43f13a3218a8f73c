package kvstore.raft;

import kvstore.core.cluster.MembershipException;
import kvstore.core.cluster.MembershipException.Reason;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.api.AdminApi;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The operator's membership and leadership changes, made by the leader through Ratis's admin calls. An added
 * member first receives the log (or a snapshot) from the leader without a vote, and joins the majority only once
 * it has caught up (Ratis's staging), so an addition never costs the group its majority. Every change is checked
 * against the membership this member knows and then set only if the leader's is still that one, so two operators
 * at once cannot undo each other's change.
 *
 * <p>Threads: one change at a time, on this class's own thread ({@code raft-membership}), where Ratis's admin
 * calls block; each goes through a fresh Ratis client aimed at the leader known, and again while the leader moves.
 */
final class Membership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    private static final long LEADER_POLL_MILLIS = 100;
    /** How long a new member may take to answer whether it is there. */
    private static final long PROBE_MILLIS = 5_000;

    private final OwnServer server;
    private final MemberConfig config;
    private final AddressesSeen addressesSeen;
    /** How long one change may wait for the leader: catching up a new member takes longer than a write. */
    private final long timeoutMillis;
    private final ExecutorService changes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "raft-membership");
        t.setDaemon(true);
        return t;
    });

    Membership(OwnServer server, MemberConfig config, AddressesSeen addressesSeen) {
        this.server = server;
        this.config = config;
        this.addressesSeen = addressesSeen;
        this.timeoutMillis = 3 * config.writeTimeoutMillis();
    }

    /** Adds {@code member}; completes with the members once the change is committed (unchanged if it was in). */
    CompletableFuture<List<RaftPeer>> add(Member member) {
        return run(() -> {
            RaftPeer added = member.peer();
            List<RaftPeer> current = known();
            RaftPeer same = find(current, member.id());
            if (same != null && same.getAddress().equals(added.getAddress())) {
                return current;
            }
            if (same != null) {
                throw new MembershipException(Reason.CONFLICT, "member " + member.id() + " is in the cluster at "
                        + same.getAddress() + ": remove it before adding it at another address");
            }
            for (RaftPeer peer : current) {
                if (peer.getAddress().equals(added.getAddress())) {
                    throw new MembershipException(Reason.CONFLICT, "member " + peer.getId() + " already has raft address "
                            + added.getAddress());
                }
            }
            String before = addressesSeen.firstAddressOf(member.id());
            if (before != null && !before.equals(added.getAddress())) {
                throw new MembershipException(Reason.CONFLICT, "member " + member.id() + " was in the cluster at raft "
                        + "address " + before + ", and running members keep reaching an id at its first address: add "
                        + "it under a new id (or at " + before + ")");
            }
            requireReachable(added);
            List<RaftPeer> next = new ArrayList<>(current);
            next.add(added);
            try {
                return change(current, next, "member " + member.id() + " did not catch up in time: is it running, "
                        + "started with --join, and reachable at " + added.getAddress() + "?");
            } catch (MembershipException e) {
                if (e.reason() != Reason.UNAVAILABLE || !callOff(current, added)) {
                    throw e;
                }
                throw new MembershipException(Reason.UNAVAILABLE, e.getMessage() + " Its addition was called off: add "
                        + "it again once it runs");
            }
        });
    }

    /**
     * Ends the catch-up of a member whose addition timed out. Ratis's leader counts a failed attempt to reach the
     * new member as an answer, so it never gives up on one that died mid-way, and every later change would be
     * refused as under way; a new leader starts without the catch-up. False when the member made it in after all,
     * or the leader could not be made to step down.
     */
    private boolean callOff(List<RaftPeer> current, RaftPeer added) {
        if (find(server.members(), added.getId().toString()) != null) {
            return false;
        }
        RaftPeerId leader = server.knownLeader();
        long term = server.division().getInfo().getCurrentTerm();
        if (leader == null) {
            return false;
        }
        // Ratis refuses to hand the leadership to a named member while a change is under way, not to step down.
        // Asked once only: asked again, the next leader would step down too. A leader that steps down may not
        // answer the request that made it, so the new term tells whether it did.
        try (RaftClient client = newClient(current, leader, Math.min(timeoutMillis, PROBE_MILLIS))) {
            client.admin().transferLeadership(null, timeoutMillis);
        } catch (IOException | RuntimeException e) {
            log.info("no answer to the step-down of {}: {}", leader, String.valueOf(e));
        }
        // The change may have been committed just before the leader stepped down: then it is not called off.
        boolean calledOff = awaitLeaderAfter(term) && find(server.members(), added.getId().toString()) == null;
        if (calledOff) {
            log.info("called off adding {}: {} stepped down", added.getId(), leader);
        } else {
            log.warn("did not call off adding {}: no new leader after {} stepped down, or the member got in",
                    added.getId(), leader);
        }
        return calledOff;
    }

    /** Whether a leader of a term after {@code term} became known within a change's time (the next change needs one). */
    private boolean awaitLeaderAfter(long term) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (server.division().getInfo().getCurrentTerm() <= term || server.knownLeader() == null) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LEADER_POLL_MILLIS));
        }
        return true;
    }

    /** Removes member {@code id}, moving the leadership off it first when it leads; completes with the members left. */
    CompletableFuture<List<RaftPeer>> remove(String id) {
        return run(() -> {
            List<RaftPeer> current = known();
            RaftPeer gone = find(current, id);
            if (gone == null) {
                throw unknown(id);
            }
            if (current.size() == 1) {
                throw new MembershipException(Reason.CONFLICT, id + " is the last member: a cluster cannot remove it");
            }
            List<RaftPeer> next = new ArrayList<>(current);
            next.remove(gone);
            if (gone.getId().equals(server.knownLeader())) {
                handOver(current, next);
            }
            return change(current, next, "the leader could not commit the new membership in time");
        });
    }

    /** Moves the leadership to member {@code id}; completes once the leader said it moved. */
    CompletableFuture<List<RaftPeer>> lead(String id) {
        return run(() -> {
            List<RaftPeer> current = known();
            RaftPeer next = find(current, id);
            if (next == null) {
                throw unknown(id);
            }
            if (!next.getId().equals(server.knownLeader())) {
                transfer(current, next.getId());
            }
            return current;
        });
    }

    /** The voting members of the configuration this member knows. */
    private List<RaftPeer> known() {
        List<RaftPeer> current = server.members();
        if (current.isEmpty() || server.knownLeader() == null) {
            throw new MembershipException(Reason.UNAVAILABLE, current.isEmpty()
                    ? config.nodeId() + " is not a member of a cluster yet: send the request to a member"
                    : config.nodeId() + " knows no leader now");
        }
        return current;
    }

    /**
     * Asks the new member for the kvstore group before the leader is asked to add it: one that is not running, or
     * that the members' connections cannot reach (another CA's certificate, plain text among TLS members), is
     * refused now. Once the leader is catching a member up, a steady stream of writes can keep Ratis from ever
     * giving up on it, and the next change would wait behind it.
     */
    private void requireReachable(RaftPeer added) {
        try (RaftClient client = newClient(List.of(added), added.getId(), Math.min(timeoutMillis, PROBE_MILLIS))) {
            if (client.getGroupManagementApi(added.getId()).info(RaftEngine.GROUP_ID).isSuccess()) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            // gRPC reports a refused TLS handshake unchecked
            log.info("new member {} did not answer: {}", added.getId(), String.valueOf(e));
        }
        throw new MembershipException(Reason.UNAVAILABLE, "cannot reach " + added.getId() + " at " + added.getAddress()
                + ": is it running, started with --join, and with the same peer TLS settings as the members?");
    }

    /** Hands the leadership to the first of {@code successors} that takes it. */
    private void handOver(List<RaftPeer> current, List<RaftPeer> successors) {
        MembershipException last = null;
        for (RaftPeer successor : successors) {
            try {
                transfer(current, successor.getId());
                return;
            } catch (MembershipException e) {
                last = e;
            }
        }
        throw last;
    }

    private void transfer(List<RaftPeer> current, RaftPeerId to) {
        call(current, admin -> admin.transferLeadership(to, timeoutMillis),
                "the leadership did not move to " + to + " in time");
    }

    /** Sets the membership to {@code next} if the leader's is still {@code current}; {@code slow} says why it timed out. */
    private List<RaftPeer> change(List<RaftPeer> current, List<RaftPeer> next, String slow) {
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(current)
                .setServersInNewConf(next)
                .build();
        call(current, admin -> admin.setConfiguration(arguments), slow);
        log.info("membership changed: {}", next.stream().map(p -> p.getId() + "=" + p.getAddress()).toList());
        return List.copyOf(next);
    }

    /** One of Ratis's admin calls. */
    @FunctionalInterface
    private interface AdminCall {
        RaftClientReply apply(AdminApi admin) throws IOException;
    }

    /**
     * Makes {@code call} on the leader this member knows, and again on the next one while the leader moves, until
     * the change's time is up. Nothing else is tried again: a change that failed (a new member that did not catch
     * up) or timed out (it may still be under way) is the operator's to look at, not to be started once more.
     */
    private void call(List<RaftPeer> current, AdminCall call, String slow) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            Throwable failure;
            RaftPeerId leader = server.knownLeader();
            try (RaftClient client = newClient(current, leader != null ? leader : current.get(0).getId(), timeoutMillis)) {
                RaftClientReply reply = call.apply(client.admin());
                if (reply.isSuccess()) {
                    return;
                }
                failure = reply.getException();
            } catch (IOException | RuntimeException e) {
                failure = e; // gRPC's own failures come unchecked
            }
            if (!leaderMoved(failure) || System.nanoTime() - deadline >= 0) {
                throw refused(failure, slow);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LEADER_POLL_MILLIS));
        }
    }

    /** A client of {@code peers} that calls {@code first} once, waiting at most {@code callMillis}. */
    private RaftClient newClient(List<RaftPeer> peers, RaftPeerId first, long callMillis) {
        return RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(RaftEngine.GROUP_ID, peers))
                .setLeaderId(first)
                .setProperties(RaftSettings.client(config, callMillis))
                .setParameters(PeerTls.parametersOf(config.peerTls()))
                .setRetryPolicy(RetryPolicies.noRetry())
                .build();
    }

    /** Whether the call failed only because it reached a member that does not lead (now). */
    private static boolean leaderMoved(Throwable failure) {
        if (failure instanceof RaftRetryFailureException && failure.getCause() == null) {
            return true; // the client was told of another leader, and may not follow it by itself
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof NotLeaderException || cause instanceof LeaderNotReadyException) {
                return true;
            }
        }
        return false;
    }

    /** Ratis's refusal in kvstore's words; the library's own text goes to the log only. */
    private static MembershipException refused(Throwable failure, String slow) {
        log.info("membership change refused: {}", String.valueOf(failure));
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ReconfigurationInProgressException) {
                return new MembershipException(Reason.CONFLICT, "another membership change is under way: try again "
                        + "once it is done");
            }
            if (cause instanceof SetConfigurationException) {
                return new MembershipException(Reason.CONFLICT, "the membership changed meanwhile: look at "
                        + "GET /cluster and try again");
            }
        }
        return new MembershipException(Reason.UNAVAILABLE, slow);
    }

    private static MembershipException unknown(String id) {
        return new MembershipException(Reason.UNKNOWN_MEMBER, "no member has id '" + id + "'");
    }

    private static RaftPeer find(List<RaftPeer> peers, String id) {
        return peers.stream().filter(p -> p.getId().toString().equals(id)).findFirst().orElse(null);
    }

    private CompletableFuture<List<RaftPeer>> run(Supplier<List<RaftPeer>> change) {
        try {
            return CompletableFuture.supplyAsync(change, changes);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(RaftEngine.shuttingDown());
        }
    }

    @Override
    public void close() {
        changes.shutdownNow();
    }
}
