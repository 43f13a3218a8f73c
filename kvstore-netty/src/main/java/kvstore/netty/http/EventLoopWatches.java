package kvstore.netty.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import kvstore.core.watch.WatchHub;
import kvstore.core.watch.Wakeup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The watch streams one event loop serves. While it has any, the hub wakes it once per burst of changes, and a
 * timer ticks (a tenth of the progress interval) for progress events and for closing streams whose client never
 * read their last event; each wake and tick offers every stream the changes, so each stream does its own
 * filtering here, on its loop, never on the applying thread.
 *
 * <p>Threads: everything on its event loop, the wake and the tick included; streams are added and removed there.
 */
final class EventLoopWatches {
    /** Streams offered news in one task of the loop. */
    static final int SLICE = 64;

    private final WatchHub hub;
    private final EventLoop loop;
    private final long tickMillis;
    /**
     * How long a stream that was cut off waits for its client to read its last event before the close: one progress
     * interval, as long as a healthy client may go without hearing from the server anyway.
     */
    private final long lingerNanos;
    /** Unordered: a stream leaves by swapping in the last one, so leaving costs the same with 10,000 of them. */
    private final List<WatchStream> streams = new ArrayList<>();
    private Wakeup wakeup;
    private ScheduledFuture<?> ticks;
    /** The pass offering the streams news: the next stream to offer, counting down, or -1 between passes. */
    private int next = -1;
    /** News came during the pass: go round once more. */
    private boolean again;

    EventLoopWatches(WatchHub hub, EventLoop loop) {
        this.hub = hub;
        this.loop = loop;
        this.tickMillis = Math.max(1, hub.settings().progressMillis() / 10);
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(hub.settings().progressMillis());
    }

    void add(WatchStream stream) {
        stream.slot = streams.size();
        streams.add(stream);
        if (wakeup == null) {
            wakeup = hub.onChanges(loop, this::changed);
            ticks = loop.scheduleAtFixedRate(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        }
    }

    void remove(WatchStream stream) {
        int slot = stream.slot;
        if (slot < 0) {
            return;
        }
        WatchStream last = streams.remove(streams.size() - 1);
        if (last != stream) {
            streams.set(slot, last);
            last.slot = slot;
        }
        stream.slot = -1;
        if (streams.isEmpty()) {
            wakeup.close();
            wakeup = null;
            ticks.cancel(false);
            ticks = null;
        }
    }

    /** How many streams this loop serves. */
    int size() {
        return streams.size();
    }

    /**
     * News: offers every stream the changes, a slice at a time, each slice a task of its own, so that the loop's
     * other connections (a write's answer, a read) wait for one slice at most, not for every stream. News that
     * comes during a pass makes it go round once more.
     */
    private void changed() {
        if (next >= 0) {
            again = true;
            return;
        }
        next = streams.size() - 1;
        offerSlice();
    }

    private void offerSlice() {
        long now = hub.nowNanos();
        // Backwards: a stream that leaves meanwhile swaps in one already offered.
        for (int end = next - SLICE; next > end && next >= 0; next--) {
            if (next < streams.size()) {
                streams.get(next).changed(now);
            }
        }
        if (next >= 0) {
            loop.execute(this::offerSlice);
            return;
        }
        if (again) {
            again = false;
            changed();
        }
    }

    /** Ends the streams whose client never read their last event, then offers the others progress. */
    private void tick() {
        long now = hub.nowNanos();
        for (int i = streams.size() - 1; i >= 0; i--) {
            if (i < streams.size() && streams.get(i).lingeredPast(now, lingerNanos)) {
                streams.get(i).channel().close();
            }
        }
        changed();
    }
}
