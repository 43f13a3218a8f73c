package kvstore.raft;

import kvstore.core.WriteFailedException;
import kvstore.core.store.Outcome;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Packs the writes a member takes at the same time into shared Raft entries. The first write leaves at once;
 * while an entry is on its way, later writes wait, and leave together in the next entry as soon as it returns. Raft orders, replicates and fsyncs an entry once for all the writes it carries;
 * each write in it is still applied on its own (a batch whole) and gets its own results. An entry fails or
 * succeeds as a whole, so each of its writes gets the same answer as the entry.
 *
 * <p>Threads: {@link #submit} from any thread; entries complete on Ratis's threads, which send the next one.
 * {@code waiting} and {@code inFlight} are guarded by {@code lock}; futures are completed outside it.
 */
final class WriteCoalescer {
    /**
     * Entries on their way at once. More would overlap the trips, but Ratis already overlaps the fsyncs and
     * appends of entries from different members; one at a time packs the most writes into each entry, and
     * served more writes per second than two in alternating runs of bench/cluster's PUT row.
     */
    static final int MAX_IN_FLIGHT = 1;
    /** Writes in one entry at most, and their bytes (a single larger write still travels alone). */
    static final int MAX_WRITES = 1024;
    static final int MAX_BYTES = 1 << 20;

    /** Sends one entry by a deadline ({@link System#nanoTime}); completes with the leader's reply. */
    interface EntrySender {
        CompletableFuture<ByteBuffer> send(Message entry, long deadline);
    }

    private record Waiting(byte[] write, long deadline, CompletableFuture<Outcome> done) {
    }

    private final EntrySender sender;
    private final long writeTimeoutNanos;
    private final LongSupplier epochMillis;
    private final LongSupplier nanoTime;
    private final Object lock = new Object();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private int inFlight;

    WriteCoalescer(EntrySender sender, long writeTimeoutMillis, LongSupplier epochMillis, LongSupplier nanoTime) {
        this.sender = sender;
        this.writeTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(writeTimeoutMillis);
        this.epochMillis = epochMillis;
        this.nanoTime = nanoTime;
    }

    /** Sends {@code write} (from {@link WalCodec#encode}) in the next entry that has room; {@code done} gets its results. */
    void submit(byte[] write, CompletableFuture<Outcome> done) {
        List<Waiting> entry;
        synchronized (lock) {
            waiting.add(new Waiting(write, nanoTime.getAsLong() + writeTimeoutNanos, done));
            if (inFlight >= MAX_IN_FLIGHT) {
                return;
            }
            inFlight++;
            entry = takeEntry();
        }
        send(entry);
    }

    /** The oldest waiting writes that fit in one entry; the caller holds {@code lock}. */
    private List<Waiting> takeEntry() {
        List<Waiting> entry = new ArrayList<>();
        long bytes = 0;
        while (!waiting.isEmpty() && entry.size() < MAX_WRITES
                && (entry.isEmpty() || bytes + waiting.peek().write().length <= MAX_BYTES)) {
            Waiting next = waiting.poll();
            entry.add(next);
            bytes += next.write().length;
        }
        return entry;
    }

    private void send(List<Waiting> entry) {
        while (true) {
            List<Waiting> live = dropExpired(entry);
            if (!live.isEmpty()) {
                sendLive(live);
                return;
            }
            synchronized (lock) {
                if (waiting.isEmpty()) {
                    inFlight--;
                    return;
                }
                entry = takeEntry();
            }
        }
    }

    /**
     * Fails the writes whose time ran out while they waited for room: never sent, so certainly never applied.
     * Returns the others.
     */
    private List<Waiting> dropExpired(List<Waiting> entry) {
        long now = nanoTime.getAsLong();
        List<Waiting> live = new ArrayList<>(entry.size());
        for (Waiting w : entry) {
            if (now - w.deadline() >= 0) {
                w.done().completeExceptionally(new WriteFailedException(WriteFailedException.Reason.NO_QUORUM,
                        "no quorum", null));
            } else {
                live.add(w);
            }
        }
        return live;
    }

    private void sendLive(List<Waiting> entry) {
        List<byte[]> writes = new ArrayList<>(entry.size());
        for (Waiting w : entry) {
            writes.add(w.write());
        }
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(
                WalCodec.encodeEntry(epochMillis.getAsLong(), writes)));
        // The oldest write's deadline: none of them waits longer than the write timeout in all.
        sender.send(message, entry.get(0).deadline()).whenComplete((reply, failure) -> {
            answer(entry, reply, failure);
            List<Waiting> next;
            synchronized (lock) {
                if (waiting.isEmpty()) {
                    inFlight--;
                    return;
                }
                next = takeEntry();
            }
            send(next);
        });
    }

    private static void answer(List<Waiting> entry, ByteBuffer reply, Throwable failure) {
        List<Outcome> results = null;
        if (failure == null) {
            try {
                results = Results.decode(reply);
                if (results.size() != entry.size()) {
                    failure = new IllegalStateException(results.size() + " results for " + entry.size() + " writes");
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        for (int i = 0; i < entry.size(); i++) {
            if (failure != null) {
                entry.get(i).done().completeExceptionally(failure);
            } else {
                entry.get(i).done().complete(results.get(i));
            }
        }
    }
}
