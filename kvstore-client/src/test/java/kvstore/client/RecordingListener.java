package kvstore.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A WatchListener that records what it is told for tests to compare: everything in {@link #seen} ({@code put a@5=1},
 * {@code progress 7}, {@code compacted 3}...), the changes alone, in the same form, in {@link #events}.
 */
class RecordingListener implements WatchListener {
    final List<String> seen = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<KvException> reconnects = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(WatchEvent event) {
        String line = event.type().name().toLowerCase() + " " + event.key() + "@" + event.revision()
                + (event.keyValue() != null ? "=" + event.keyValue().valueJson() : "");
        events.add(line);
        seen.add(line);
    }

    @Override
    public void onCompacted(long compactRevision) {
        seen.add("compacted " + compactRevision);
    }

    @Override
    public void onProgress(long revision) {
        seen.add("progress " + revision);
    }

    @Override
    public void onReconnecting(KvException cause) {
        reconnects.add(cause);
    }

    @Override
    public void onFailed(KvException error) {
        seen.add("failed " + error.status());
    }

    /** Waits (polling, up to {@code timeout}) until {@code condition} holds; fails with what was seen otherwise. */
    void await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out; the watch saw " + seen + ", reconnects " + reconnects);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Waits until {@code count} things were seen. */
    void awaitSeen(int count) {
        await(() -> seen.size() >= count, Duration.ofSeconds(20));
    }

    /** Waits until {@code count} changes were delivered (a slow machine may also bring progress events). */
    void awaitEvents(int count) {
        await(() -> events.size() >= count, Duration.ofSeconds(60));
    }
}
