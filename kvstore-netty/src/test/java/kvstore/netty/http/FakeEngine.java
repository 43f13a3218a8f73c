package kvstore.netty.http;

import io.netty.channel.embedded.EmbeddedChannel;
import kvstore.core.Backup;
import kvstore.core.Engine;
import kvstore.core.Page;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.metrics.KvMetrics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * An engine in memory whose writes complete only when the test says so ({@link #complete}, {@link #fail}),
 * in any order, on the test's thread: the handler must hand each completion over to its event loop.
 */
final class FakeEngine implements Engine {
    /** A write handed to the engine and not yet completed. */
    record Submitted(List<Op> ops, CompletableFuture<List<OpResult>> done) {
    }

    static final long NOW = 1_000_000L;

    private final Map<String, byte[]> values = new TreeMap<>();
    /** Every write submitted so far, in the order it came. */
    final List<Submitted> submitted = new ArrayList<>();
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

    /** Applies the {@code i}-th write submitted and completes it with its results. */
    void complete(int i) {
        Submitted write = submitted.get(i);
        List<OpResult> results = new ArrayList<>();
        for (Op op : write.ops()) {
            String key = new String(op.key(), StandardCharsets.UTF_8);
            byte[] before = values.get(key);
            if (op instanceof Op.Set set) {
                values.put(key, set.entry().value());
            } else if (op instanceof Op.Delete) {
                values.remove(key);
            }
            results.add(new OpResult(before != null, op instanceof Op.Get ? before : null, 0, 0, 0));
        }
        write.done().complete(results);
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
    public Entry get(byte[] key) {
        byte[] value = values.get(new String(key, StandardCharsets.UTF_8));
        return value == null ? null : new Entry(key, value, Entry.NEVER);
    }

    @Override
    public List<byte[]> keys(byte[] prefix) {
        String p = new String(prefix, StandardCharsets.UTF_8);
        List<byte[]> keys = new ArrayList<>();
        for (String key : values.keySet()) {
            if (key.startsWith(p)) {
                keys.add(key.getBytes(StandardCharsets.UTF_8));
            }
        }
        return keys;
    }

    @Override
    public Page keys(byte[] prefix, byte[] after, int limit) {
        List<byte[]> keys = new ArrayList<>();
        for (byte[] key : keys(prefix)) {
            if (after == null || Arrays.compareUnsigned(key, after) > 0) {
                keys.add(key);
            }
        }
        return keys.size() <= limit ? new Page(keys, null) : new Page(keys.subList(0, limit), keys.get(limit - 1));
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
        return new Stats(values.size(), 0, 0, 0, 0, 0, 0);
    }

    @Override
    public CompletableFuture<List<OpResult>> submit(List<Op> ops, long timestampMillis) {
        Submitted write = new Submitted(ops, new CompletableFuture<>());
        submitted.add(write);
        return write.done();
    }

    @Override
    public void close() {
    }
}
