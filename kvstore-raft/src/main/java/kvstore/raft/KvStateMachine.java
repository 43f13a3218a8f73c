package kvstore.raft;

import kvstore.core.cluster.ReplicationFigures;
import kvstore.core.store.ChangeListener;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The store as a Raft state machine: each committed entry carries one or more kvstore writes (a single put or
 * delete, or a whole batch, each from one request), applied in log order at the stamp the entry carries, so every
 * member computes the same results and deadlines. Snapshots hold the live keys in the {@code wal.log} line format.
 *
 * <p>Threads: Ratis's apply thread calls {@link #applyTransaction}, {@link #takeSnapshot} and
 * {@link #reinitialize}, each entry applied holding {@code applyLock}; snapshots are written beside it by the
 * {@link SnapshotWriter}; any thread reads {@link #store()}.
 */
public final class KvStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(KvStateMachine.class);

    /** What a member does when it meets what it must not skip: see {@link #applyTransaction}. */
    static final String REMEDY = "replace this member (move its data directory aside and add it back to the cluster "
            + "empty, so that it copies the others' state), or restore a backup";

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final EpochClock clock;
    /** Told, once, why the member must stop; then the apply thread stops too, whatever the listener does. */
    private final Consumer<String> stop;
    /** Held by the apply thread while it applies an entry; the snapshot writer takes it to open and close its tap. */
    private final Object applyLock = new Object();
    /** Tells the watch hub of every change applied, across the stores that snapshots replace, and taps them. */
    private final SnapshotWriter snapshots;
    /** Start a snapshot when this many entries were applied since the latest one. */
    private final long snapshotEveryEntries;
    /** Replaced as a whole when a snapshot is loaded; written by the apply thread only. */
    private volatile Store store;
    /** Written by the apply thread only, read by metrics scrapes. */
    private volatile long appliedEntries;
    private volatile long appliedEntryBytes;
    /** The latest timestamp of the writes applied (apply thread; read by the leader's stamping); -1 before any. */
    private volatile long lastTimestamp = -1;
    /** Every member's first raft address in a configuration applied here (see {@link AddressesSeen}). */
    private final AddressesSeen addressesSeen = new AddressesSeen();
    /** The snapshot Ratis was last told of (or started from): apply thread, and the start before it runs. */
    private long toldSnapshotIndex = RaftLog.INVALID_LOG_INDEX;

    public KvStateMachine(EpochClock clock) {
        this(clock, ChangeListener.NONE, why -> { }, 1, NanoClock.SYSTEM);
    }

    /**
     * A state machine whose store tells {@code changes} of every change it applies, and of each snapshot loaded;
     * {@code stop} is told why when the member must stop (an entry or snapshot it cannot apply). It starts a
     * snapshot when Ratis asks and {@code snapshotEveryEntries} entries were applied since the latest one.
     */
    public KvStateMachine(EpochClock clock, ChangeListener changes, Consumer<String> stop, long snapshotEveryEntries,
                          NanoClock nanoClock) {
        this.clock = clock;
        this.stop = stop;
        this.snapshotEveryEntries = snapshotEveryEntries;
        this.snapshots = new SnapshotWriter(applyLock, changes, storage, () -> store, this::getLastAppliedTermIndex,
                () -> lastTimestamp >= 0 ? lastTimestamp : clock.millis(), nanoClock);
        this.store = new Store(snapshots);
    }

    /** The applied state: read it from any thread. */
    public Store store() {
        return store;
    }

    /** What this state machine did since it started, with the log's figures Ratis keeps. */
    ReplicationFigures figures(RatisFigures ratis) {
        return snapshots.figures(new ReplicationFigures(ratis.elections(), ratis.logBytes(), ratis.logFlushes(),
                appliedEntries, appliedEntryBytes, 0, 0, 0));
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        snapshots.setTmpDir(raftStorage.getStorageDir().getTmpDir());
        load();
    }

    /**
     * After the leader installed a snapshot: loads it, or stops the member when it cannot (at start, the same
     * failure stops the start instead).
     */
    @Override
    public void reinitialize() throws IOException {
        try {
            load();
        } catch (IOException e) {
            stop.accept(e.getMessage());
            throw e;
        }
    }

    /** Loads the latest snapshot into a fresh store; a damaged or newer one is refused naming the file. */
    private void load() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        Store loaded = new Store(snapshots);
        long keys;
        try {
            // A snapshot is renamed into place only once complete and fsynced, so one whose MD5 file was not
            // written yet (a crash in between) is whole; any other must match its MD5.
            if (MD5FileUtil.getDigestFileForFile(file.toFile()).exists()) {
                MD5FileUtil.verifySavedMD5(file.toFile(), MD5FileUtil.computeMd5ForFile(file.toFile()));
            }
            keys = WalCodec.readSnapshot(file, loaded);
        } catch (IOException | RuntimeException e) {
            throw new IOException("snapshot " + file + " cannot be loaded (" + firstLine(e) + "): " + REMEDY, e);
        }
        synchronized (applyLock) {
            store = loaded;
            snapshots.loaded(loaded.revision());
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        toldSnapshotIndex = snapshot.getIndex(); // Ratis reads the snapshot it starts from, or installed, itself
        log.info("loaded snapshot {} ({} keys)", file.getFileName(), keys);
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * Runs on the leader before the entry is appended: an entry that cannot be decoded is never logged, and every
     * other is stamped with the leader's clock, so its TTLs count from the leader's time whichever member took
     * the requests. A new leader serves writes only once it has applied everything before its term, so no
     * stamp goes back behind what was applied before, even when its clock is behind the old leader's.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        byte[] entry = request.getMessage().getContent().toByteArray();
        WalCodec.EntryWrites writes;
        try {
            writes = WalCodec.decodeEntry(entry);
        } catch (IllegalArgumentException e) {
            TransactionContext refused = super.startTransaction(request);
            refused.setException(e);
            return refused;
        }
        long stamp = Math.max(clock.millis(), lastTimestamp);
        return TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(UnsafeByteOperations.unsafeWrap(WalCodec.restamp(entry, stamp)))
                .setStateMachineContext(new WalCodec.EntryWrites(stamp, writes.writes()))
                .build();
    }

    /**
     * Expires the keys due by the entry's stamp, then applies each write of the entry on its own (a batch whole),
     * all at that stamp.
     */
    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        WalCodec.EntryWrites writes;
        try {
            writes = trx.getStateMachineContext() instanceof WalCodec.EntryWrites decoded ? decoded
                    : WalCodec.decodeEntry(entry.getStateMachineLogEntry().getLogData().toByteArray());
        } catch (IllegalArgumentException e) {
            // Never skipped: the other members applied it, and this one would differ from them for good. Only a
            // newer leader or a damaged log brings such an entry (startTransaction keeps others out of the log).
            String why = "entry " + entry.getIndex() + " cannot be applied (" + e.getMessage() + ")"
                    + (e instanceof WalCodec.NewerFormatException ? "" : ": " + REMEDY);
            log.error("{}; this member stops", why);
            stop.accept(why);
            // Should the listener return, Ratis's apply thread stops on this and closes the server.
            throw new IllegalStateException(why, e);
        }
        long at = writes.stampMillis();
        List<Outcome> results = new ArrayList<>(writes.writes().size());
        synchronized (applyLock) {
            // Keys due by the entry's stamp expire first, each a change of its own, in the same order on every
            // member (deadline, then key): the state stays a function of the log alone, and a write to such a key
            // creates it.
            store.expireDue(at);
            for (WalCodec.Write write : writes.writes()) {
                results.add(store.applyUnit(write.stampedAt(at).ops(), at));
            }
            lastTimestamp = Math.max(lastTimestamp, at);
            appliedEntries++;
            appliedEntryBytes += entry.getSerializedSize();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(Results.encode(results))));
    }

    @Override
    public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto configuration) {
        addressesSeen.saw(configuration);
    }

    /** The raft address at which this member first saw each member id since it started. */
    AddressesSeen addressesSeen() {
        return addressesSeen;
    }

    /** A read barrier: by the time Ratis calls this, the member has applied every write a read must see. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /**
     * Starts a snapshot beside the apply thread when enough entries were applied since the latest one (see
     * {@link SnapshotWriter}), and returns a snapshot on disk that Ratis was not told of yet, or none: Ratis logs
     * each index returned and purges the log up to it. It asks again after every entry while one is due, so
     * returning the same snapshot while the next is written would log it and purge again for every entry.
     */
    @Override
    public long takeSnapshot() {
        TermIndex applied = getLastAppliedTermIndex();
        long latest = snapshots.latestIndex();
        if (applied != null && applied.getIndex() >= 0 && applied.getIndex() - latest >= snapshotEveryEntries) {
            snapshots.startIfIdle();
        }
        if (latest <= toldSnapshotIndex) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        toldSnapshotIndex = latest;
        return latest;
    }

    /** Completes with the index of a snapshot on disk holding at least everything applied now. */
    CompletableFuture<Long> snapshotNow() {
        TermIndex applied = getLastAppliedTermIndex();
        return snapshots.covering(applied == null ? RaftLog.INVALID_LOG_INDEX : applied.getIndex());
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        int newline = m.indexOf('\n');
        return newline < 0 ? m : m.substring(0, newline);
    }
}
