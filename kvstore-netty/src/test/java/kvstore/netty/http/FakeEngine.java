package kvstore.netty.http;

import io.netty.channel.embedded.EmbeddedChannel;
import kvstore.core.Backup;
import kvstore.core.Engine;
import kvstore.core.EntryPage;
import kvstore.core.Page;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.metrics.KvMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An engine over a store in memory whose writes complete only when the test says so ({@link #complete},
 * {@link #fail}), in any order, on the test's thread: the handler must hand each completion over to its event
 * loop. A write is decided and applied (revisions, checks) when it completes.
 */
final class FakeEngine implements Engine {
    /** A write handed to the engine and not yet completed. */
    record Submitted(List<Op> ops, CompletableFuture<Outcome> done) {
    }

    static final long NOW = 1_000_000L;

    private final Store store = new Store();
    /** Every write submitted so far, in the order it came. */
    final List<Submitted> submitted = new ArrayList<>();
    /** The size of each {@link #submitAll}: how the writes were handed over together. */
    final List<Integer> handOffs = new ArrayList<>();
    /** Every compaction asked for, to be completed by the test. */
    final List<CompletableFuture<Boolean>> compactions = new ArrayList<>();
    /** Every backup asked for, to be completed by the test. */
    final List<CompletableFuture<Backup>> backups = new ArrayList<>();

    /** The hub of this engine's watches: a test tells it of changes as a store would. */
    final WatchHub watches = new WatchHub(WatchHub.Settings.DEFAULTS, SseEvents.FORMAT, () -> NOW, NanoClock.SYSTEM);

    /** A channel with the response order and the request handler of a connection, serving this engine. */
    EmbeddedChannel channel() {
        return new EmbeddedChannel(new ResponseOrder(), new KvHandler(endpoints(), new RequestMetrics(new KvMetrics(NanoClock.SYSTEM))));
    }

    /** The endpoints of a single server on this engine. */
    Endpoints endpoints() {
        return Endpoints.of(this, "always", null, watches);
    }

    /** Decides and applies the {@code i}-th write submitted and completes it with its outcome. */
    void complete(int i) {
        Submitted write = submitted.get(i);
        write.done().complete(store.applyUnit(write.ops(), NOW));
    }

    /** Fails the {@code i}-th write submitted, as the engine would for {@code reason}. */
    void fail(int i, WriteFailedException.Reason reason) {
        submitted.get(i).done().completeExceptionally(new WriteFailedException(reason, "refused: " + reason, null));
    }

    @Override
    public long now() {
        return NOW;
    }

    @Override
    public long revision() {
        return store.revision();
    }

    @Override
    public Entry get(byte[] key) {
        return store.get(key, NOW);
    }

    @Override
    public List<byte[]> keys(byte[] prefix) {
        return store.keysWithPrefix(prefix, NOW);
    }

    @Override
    public Page keys(byte[] prefix, byte[] after, int limit) {
        return Page.of(store.keysAfter(prefix, after, Page.fetchSize(limit), NOW), limit);
    }

    @Override
    public EntryPage entries(byte[] prefix, byte[] after, int limit) {
        return EntryPage.of(store.entriesAfter(prefix, after, Page.fetchSize(limit), NOW), limit);
    }

    @Override
    public CompletableFuture<Boolean> compactNow() {
        compactions.add(new CompletableFuture<>());
        return compactions.get(compactions.size() - 1);
    }

    @Override
    public CompletableFuture<Backup> backup() {
        backups.add(new CompletableFuture<>());
        return backups.get(backups.size() - 1);
    }

    @Override
    public Stats stats() {
        return new Stats(store.totals(NOW).keys(), 0, 0, 0, 0, 0, 0);
    }

    @Override
    public CompletableFuture<Outcome> submit(List<Op> ops, long timestampMillis) {
        Submitted write = new Submitted(ops, new CompletableFuture<>());
        submitted.add(write);
        return write.done();
    }

    @Override
    public void submitAll(List<Submission> units) {
        handOffs.add(units.size());
        Engine.super.submitAll(units);
    }

    @Override
    public void close() {
    }
}
