package kvstore.raft;

import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keys expire where entries are applied, at the stamp of each entry (see {@link KvStateMachine}); while nothing
 * else is written no entry comes, so every expiry tick the leader proposes an empty entry when some key of its
 * store is due. Applied like any entry, it expires those keys on every member, at the same revisions, within a
 * tick of their deadline plus the time to commit it. One such entry is on its way at a time.
 *
 * <p>Threads: runs on the engine's timer thread; the reply completes on Ratis's threads.
 */
final class ExpiryProposals {
    private final OwnServer server;
    private final KvStateMachine stateMachine;
    private final EpochClock clock;
    private final NanoClock nanoClock;
    private final long timeoutNanos;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final AtomicBoolean inFlight = new AtomicBoolean();

    ExpiryProposals(OwnServer server, KvStateMachine stateMachine, EpochClock clock, NanoClock nanoClock,
                    long timeoutMillis) {
        this.server = server;
        this.stateMachine = stateMachine;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Looks for due keys every expiry tick on {@code timer}, until it shuts down. */
    void start(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(this::proposeIfDue, Store.EXPIRY_TICK_MILLIS, Store.EXPIRY_TICK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** Proposes an empty entry when this member leads, some key is due, and no proposal is on its way. */
    void proposeIfDue() {
        try {
            if (!server.division().getInfo().isLeader() || !stateMachine.store().hasDue(clock.millis())
                    || !inFlight.compareAndSet(false, true)) {
                return;
            }
        } catch (RuntimeException e) {
            return; // the member is starting or stopping: the next tick looks again, a periodic task must not throw
        }
        // The leader stamps the entry as it appends it (startTransaction): its keys due by then expire.
        Message empty = Message.valueOf(UnsafeByteOperations.unsafeWrap(WalCodec.encodeEntry(clock.millis(), List.of())));
        server.submit(clientId, callIds.incrementAndGet(), empty, RaftClientRequest.writeRequestType(),
                nanoClock.nanos() + timeoutNanos).whenComplete((reply, failure) -> inFlight.set(false));
    }
}
