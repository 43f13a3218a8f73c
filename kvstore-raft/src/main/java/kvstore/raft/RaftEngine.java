package kvstore.raft;

import kvstore.core.Backup;
import kvstore.core.Engine;
import kvstore.core.EntryPage;
import kvstore.core.Page;
import kvstore.core.WriteFailedException;
import kvstore.core.cluster.Cluster;
import kvstore.core.cluster.ClusterStatus;
import kvstore.core.cluster.MembershipException;
import kvstore.core.cluster.ReplicationFigures;
import kvstore.core.store.ChangeListener;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Totals;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The {@link Engine} of a cluster member. Writes go through Raft, several to an entry when they come together
 * ({@link WriteCoalescer}); the {@link WriteRouter} hands an entry on the leader straight to its server, and on a
 * follower to an in-process Ratis client that carries it to the leader and retries it under the same call id,
 * so Ratis's retry cache never applies it twice. Reads come from the member's own applied store, after a shared
 * ReadIndex barrier ({@link ReadBarriers}) for linearizable ones.
 *
 * <p>A write waits at most {@link MemberConfig#writeTimeoutMillis} and then fails: {@code NO_QUORUM} when no
 * leader was known in all that time, so it was never sent, {@code OUTCOME_UNKNOWN} when it was sent and
 * not confirmed (it may still be committed, identically on every member).
 *
 * <p>Threads: any thread may call any method; stages complete on Ratis's threads or on the engine's one
 * timer thread; calls into the member's own server go through {@link OwnServer}'s thread.
 */
public final class RaftEngine implements Engine, Cluster {
    private static final Logger log = LoggerFactory.getLogger(RaftEngine.class);
    /** The one Raft group a kvstore cluster is; every member derives the same id. */
    static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("kvstore".getBytes(StandardCharsets.US_ASCII)));
    private static final long READ_RETRY_MILLIS = 50;

    private final MemberConfig config;
    private final KvStateMachine stateMachine;
    private final OwnServer server;
    /** One client per other member, each sending to that member first (see {@link WriteRouter}). */
    private final PeerClients clients;
    private final Membership membership;
    private final ScheduledExecutorService timer;
    /** Packs concurrent writes into shared entries and hands them to the {@link WriteRouter}. */
    private final WriteCoalescer writes;
    private final ReadBarriers reads;
    /** The identity of this member's read barriers and snapshot requests to its own server. */
    private final ClientId ownClientId = ClientId.randomId();
    private final AtomicLong ownCallIds = new AtomicLong();
    /** The largest write that fits in an entry every member accepts (see {@link RaftSettings#maxEntryBytes}). */
    private final long maxWriteBytes;
    private final RatisFigures ratis;
    private volatile boolean closed;

    private RaftEngine(MemberConfig config, KvStateMachine stateMachine, OwnServer server,
                       ScheduledExecutorService timer) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.server = server;
        this.clients = new PeerClients(config, server.id(), server::members);
        this.membership = new Membership(server, config, stateMachine.addressesSeen());
        this.timer = timer;
        this.maxWriteBytes = RaftSettings.maxWriteBytes(config);
        this.ratis = new RatisFigures(server.division().getMemberId().toString());
        WriteRouter router = new WriteRouter(server, clients, timer, config.writeTimeoutMillis(), () -> closed,
                config.nanoClock());
        this.writes = new WriteCoalescer(router::submit, config.writeTimeoutMillis(), config.clock()::millis,
                config.nanoClock()::nanos);
        this.reads = new ReadBarriers(this::readIndex, config.writeTimeoutMillis(), config.nanoClock()::nanos);
        new ExpiryProposals(server, stateMachine, config.clock(), config.nanoClock(), config.writeTimeoutMillis())
                .start(timer);
    }

    /** Starts this member's Raft server (recovering its snapshot and log) and its clients. */
    public static RaftEngine start(MemberConfig config) throws IOException {
        return start(config, ChangeListener.NONE);
    }

    /** As {@link #start(MemberConfig, ChangeListener, Consumer)}, leaving the process to run when the member stops. */
    public static RaftEngine start(MemberConfig config, ChangeListener changes) throws IOException {
        return start(config, changes, why -> { });
    }

    /**
     * As {@link #start(MemberConfig)}, with {@code changes} told of every change this member applies (those it
     * recovers at start included) and of every snapshot it loads, and {@code stop} told why when the member meets
     * an entry or snapshot it must not skip and cannot apply (a newer format, a damaged one): the member then
     * applies nothing more, and the caller should end the process.
     */
    public static RaftEngine start(MemberConfig config, ChangeListener changes, Consumer<String> stop)
            throws IOException {
        // A joining member starts with no members: it holds no vote and starts no election until the leader
        // sends it the log, whose configurations then name the members. A restarted member takes its members from
        // its log too, whatever the founding list says.
        RaftGroup group = config.joining() ? RaftGroup.valueOf(GROUP_ID)
                : RaftGroup.valueOf(GROUP_ID, config.members().stream().map(Member::peer).toList());
        Snapshots.deleteLeftoverBackups(config.dataDir());
        RaftPeerId selfId = RaftPeerId.valueOf(config.nodeId());
        KvStateMachine stateMachine = new KvStateMachine(config.clock(), changes, stop, config.snapshotThreshold(),
                config.nanoClock());
        RaftServer server = RaftServer.newBuilder()
                .setGroup(group)
                .setServerId(selfId)
                .setProperties(RaftSettings.server(config, config.self()))
                .setParameters(PeerTls.parametersOf(config.peerTls()))
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            IOException failed = new IOException(StorageCheck.explain(config.raftDir(),
                    RaftSettings.maxEntryBytes(config), e), e);
            try {
                server.close();
            } catch (IOException | RuntimeException closing) {
                failed.addSuppressed(closing);
            }
            throw failed;
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raft-engine-timer");
            t.setDaemon(true);
            return t;
        });
        OwnServer own = new OwnServer(server, selfId, config.nanoClock());
        warnIfFoundingListDiffers(config, own.members());
        group.getPeers().forEach(stateMachine.addressesSeen()::saw);
        own.division().getRaftConf().getAllPeers().forEach(stateMachine.addressesSeen()::saw);
        return new RaftEngine(config, stateMachine, own, timer);
    }

    /** Logs once when the members in the log are not those {@code --peers} names (the log's are used). */
    private static void warnIfFoundingListDiffers(MemberConfig config, List<RaftPeer> logged) {
        if (config.joining() || logged.isEmpty()) {
            return;
        }
        Set<String> named = config.members().stream().map(m -> m.id() + "=" + m.raftAddress())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> inLog = logged.stream().map(p -> p.getId() + "=" + p.getAddress())
                .collect(Collectors.toCollection(TreeSet::new));
        if (!named.equals(inLog)) {
            log.warn("--peers names {} but the membership in the replicated log is {}: the log's is used (--peers "
                    + "only founds a new cluster; change members with POST and DELETE /cluster/members)", named, inLog);
        }
    }

    @Override
    public long now() {
        return config.clock().millis();
    }

    @Override
    public long revision() {
        return stateMachine.store().revision();
    }

    @Override
    public Entry get(byte[] key) {
        return stateMachine.store().get(key, now());
    }

    @Override
    public List<byte[]> keys(byte[] prefix) {
        return stateMachine.store().keysWithPrefix(prefix, now());
    }

    @Override
    public Page keys(byte[] prefix, byte[] after, int limit) {
        return Page.of(stateMachine.store().keysAfter(prefix, after, Page.fetchSize(limit), now()), limit);
    }

    @Override
    public EntryPage entries(byte[] prefix, byte[] after, int limit) {
        return EntryPage.of(stateMachine.store().entriesAfter(prefix, after, Page.fetchSize(limit), now()), limit);
    }

    /**
     * Live keys and bytes; the log's figures are the replicated log's: its segments' bytes, its flushes (each
     * with its fsync) and the snapshots taken (after each of which the log is purged).
     */
    @Override
    public Stats stats() {
        Totals totals = stateMachine.store().totals(now());
        ReplicationFigures figures = figures();
        return new Stats(totals.keys(), totals.valueBytes(), totals.memoryBytes(), config.maxMemoryBytes(),
                figures.logBytes(), figures.logFlushes(), figures.snapshots());
    }

    @Override
    public ReplicationFigures figures() {
        return stateMachine.figures(ratis);
    }

    @Override
    public CompletionStage<Outcome> submit(List<Op> ops, long timestampMillis) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(shuttingDown());
            return done;
        }
        // Checked on the member that took the write, against what it has applied: an estimate, like the ceiling.
        if (Totals.wouldGrowPast(stateMachine.store(), ops, config.maxMemoryBytes(), now())) {
            done.completeExceptionally(new WriteFailedException(WriteFailedException.Reason.MEMORY_LIMIT,
                    "memory limit reached", null));
            return done;
        }
        byte[] write = WalCodec.encode(ops, timestampMillis);
        if (write.length > maxWriteBytes) {
            done.completeExceptionally(new WriteFailedException(WriteFailedException.Reason.TOO_LARGE,
                    "write too large to replicate: " + write.length + " bytes in the replicated log, at most "
                            + maxWriteBytes + " (sized from --max-body)", null));
            return done;
        }
        writes.submit(write, done);
        return done;
    }

    /**
     * Completes once this member has applied every write acknowledged before the call; a read of the local store
     * after that is linearizable. Fails with {@code NO_QUORUM} when that cannot be confirmed in time.
     */
    @Override
    public CompletionStage<Void> readBarrier() {
        return closed ? CompletableFuture.failedFuture(shuttingDown()) : reads.await();
    }

    /**
     * One ReadIndex round through this member's own server (the leader confirms it still leads and names its
     * commit index; this member waits until it has applied that far), asked again while no leader can answer.
     */
    private CompletableFuture<Void> readIndex(long deadline) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        readIndex(deadline, done);
        return done;
    }

    private void readIndex(long deadline, CompletableFuture<Void> done) {
        if (closed) {
            done.completeExceptionally(shuttingDown());
            return;
        }
        server.submit(ownClientId, ownCallIds.incrementAndGet(), Message.EMPTY, RaftClientRequest.readRequestType(),
                deadline).whenComplete((r, failure) -> {
                    if (failure == null && r.isSuccess()) {
                        done.complete(null);
                    } else if (!closed && config.nanoClock().nanos() - deadline < 0) {
                        // No leader yet, it changed, or the round to it failed (as a reply or as an exception):
                        // a read has no effect, so asking again until the deadline is always safe.
                        timer.schedule(() -> readIndex(deadline, done), READ_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                    } else {
                        done.completeExceptionally(new WriteFailedException(WriteFailedException.Reason.NO_QUORUM,
                                "no quorum", failure != null ? failure : r.getException()));
                    }
                });
    }

    /**
     * Takes a snapshot of everything applied now (beside the apply thread), then asks Ratis to purge the log
     * behind it; completes with true once the snapshot is written.
     */
    @Override
    public CompletionStage<Boolean> compactNow() {
        if (closed) {
            return CompletableFuture.failedFuture(shuttingDown());
        }
        return stateMachine.snapshotNow().thenCompose(index -> purgeBehindLatestSnapshot()).thenApply(done -> true);
    }

    /**
     * A snapshot taken now is the state at one applied index, in the backup format already: it is linked (or
     * copied) under the data directory, so pruning old snapshots cannot take it away while it is read. A read
     * barrier first, so that the backup holds every write acknowledged before it was asked for, on any member.
     */
    @Override
    public CompletionStage<Backup> backup() {
        return readBarrier().thenCompose(applied -> stateMachine.snapshotNow()).thenApplyAsync(index -> {
            try {
                return Snapshots.backupOfLatest(stateMachine, config.dataDir());
            } catch (IOException e) {
                throw new CompletionException(new WriteFailedException(WriteFailedException.Reason.LOG_FAILED,
                        "cannot copy the snapshot for the backup: " + e.getMessage(), e));
            }
        }, timer);
    }

    /** Asks this member's server to take note of the latest snapshot, after which it purges the log behind it. */
    private CompletableFuture<Long> purgeBehindLatestSnapshot() {
        return server.snapshot(ownClientId, ownCallIds.incrementAndGet(), config.writeTimeoutMillis())
                .thenApply(reply -> {
                    if (!reply.isSuccess()) {
                        log.warn("snapshot failed: {}", String.valueOf(reply.getException()));
                        throw new CompletionException(new WriteFailedException(WriteFailedException.Reason.LOG_FAILED,
                                "snapshot failed (the member's log says why)", reply.getException()));
                    }
                    return reply.getLogIndex();
                });
    }

    /** This member's view of the cluster, from memory. */
    @Override
    public ClusterStatus status() {
        return status(server.members());
    }

    /** This member's view, with {@code members} for the members (those of a change just committed). */
    private ClusterStatus status(List<RaftPeer> members) {
        RaftServer.Division division = server.division();
        DivisionInfo info = division.getInfo();
        RaftPeerId leader = info.getLeaderId();
        String role = info.isLeader() ? "leader" : info.isCandidate() ? "candidate" : "follower";
        long commit = division.getRaftLog().getLastCommittedIndex();
        Map<String, Long> matchIndexes = new HashMap<>();
        if (info.isLeader()) {
            for (RaftPeer m : members) {
                String id = m.getId().toString();
                long match = id.equals(config.nodeId()) ? division.getRaftLog().getFlushIndex() : ratis.matchIndex(id);
                if (match >= 0) {
                    matchIndexes.put(id, match);
                }
            }
        }
        return new ClusterStatus(config.nodeId(), role, leader == null ? null : leader.toString(),
                info.getCurrentTerm(), commit, info.getLastAppliedIndex(), members.stream().map(Member::shown).toList(),
                matchIndexes);
    }

    @Override
    public CompletionStage<ClusterStatus> addMember(ClusterStatus.Member member) {
        Member added;
        try {
            added = Member.of(member.id(), member.httpAddress(), member.raftAddress());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new MembershipException(MembershipException.Reason.INVALID,
                    e.getMessage()));
        }
        return membership.add(added).thenCompose(this::changed);
    }

    @Override
    public CompletionStage<ClusterStatus> removeMember(String id) {
        return membership.remove(id).thenCompose(this::changed);
    }

    @Override
    public CompletionStage<ClusterStatus> transferLeadership(String id) {
        return membership.lead(id).thenCompose(this::changed);
    }

    /**
     * This member's view after a committed change to {@code members}: once it has applied that far, so that it
     * names the leader that made the change. A member that was just removed is not waited for: no leader sends
     * it anything any more.
     */
    private CompletionStage<ClusterStatus> changed(List<RaftPeer> members) {
        if (members.stream().noneMatch(p -> p.getId().equals(server.id()))) {
            return CompletableFuture.completedFuture(status(members));
        }
        return readBarrier().handle((applied, failure) -> status(members));
    }

    static WriteFailedException shuttingDown() {
        return new WriteFailedException(WriteFailedException.Reason.SHUTTING_DOWN, "server is shutting down", null);
    }

    /** Stops the clients and the server; writes not yet answered fail as shutting down. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        // Writes waiting for a leader to be known run once more, see the engine closed and fail as shutting down.
        for (Runnable waiting : timer.shutdownNow()) {
            waiting.run();
        }
        membership.close();
        try {
            clients.close();
        } finally {
            server.close();
        }
    }
}
