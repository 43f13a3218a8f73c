package kvstore.raft;

import kvstore.core.WriteFailedException;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteCoalescerTest {
    private static final long T0 = 1_764_000_000_000L;
    private static final long TIMEOUT_MILLIS = 1_000;

    /** The entries handed to Raft, each with the future its reply completes. */
    private final List<WalCodec.EntryWrites> sent = new ArrayList<>();
    private final List<CompletableFuture<ByteBuffer>> replies = new ArrayList<>();
    private final List<Long> deadlines = new ArrayList<>();
    private long nanos;
    private final WriteCoalescer coalescer = new WriteCoalescer((entry, deadline) -> {
        sent.add(WalCodec.decodeEntry(entry.getContent().toByteArray()));
        deadlines.add(deadline);
        CompletableFuture<ByteBuffer> reply = new CompletableFuture<>();
        replies.add(reply);
        return reply;
    }, TIMEOUT_MILLIS, () -> T0, () -> nanos);

    @Test
    void shouldSendAWriteAtOnceAndPackThoseThatComeWhileItsEntryIsOnItsWay() throws Exception {
        assertEquals(1, WriteCoalescer.MAX_IN_FLIGHT);
        List<CompletableFuture<Outcome>> done = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            done.add(submit("k" + i));
        }
        assertEquals(1, sent.size());
        assertEquals(List.of("k0"), keys(sent.get(0)));

        replyWithExistedFlags(0, true);
        assertTrue(done.get(0).get().results().get(0).existed());
        assertEquals(List.of("k1", "k2", "k3", "k4", "k5"), keys(sent.get(1)));
        assertFalse(done.get(1).isDone(), "its entry has not returned yet");

        replyWithExistedFlags(1, false, true, false, true, false);
        assertTrue(done.get(2).get().results().get(0).existed());
        assertFalse(done.get(3).get().results().get(0).existed());
        assertEquals(2, sent.size(), "nothing was waiting");
        submit("k6");
        assertEquals(List.of("k6"), keys(sent.get(2)), "with nothing on its way, a write leaves at once");
    }

    @Test
    void shouldGiveEveryWriteOfAFailedEntryTheEntrysFailure() {
        submit("a");
        CompletableFuture<Outcome> b = submit("b");
        CompletableFuture<Outcome> c = submit("c");
        replyWithExistedFlags(0, false);
        WriteFailedException unknown = new WriteFailedException(WriteFailedException.Reason.OUTCOME_UNKNOWN,
                "outcome unknown: test", null);
        replies.get(1).completeExceptionally(unknown);
        for (CompletableFuture<Outcome> f : List.of(b, c)) {
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertEquals(unknown, e.getCause());
        }
    }

    @Test
    void shouldFailWithoutSendingAWriteWhoseTimeRanOutWhileItWaited() throws Exception {
        submit("a");
        nanos += 5_000_000; // 5 ms later
        CompletableFuture<Outcome> late = submit("late");
        nanos += TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS) - 5_000_000;
        CompletableFuture<Outcome> fresh = submit("fresh");
        nanos += 6_000_000; // "late" waited past its timeout, "fresh" did not
        replyWithExistedFlags(0, false);
        ExecutionException e = assertThrows(ExecutionException.class, late::get);
        WriteFailedException failed = assertInstanceOf(WriteFailedException.class, e.getCause());
        assertEquals(WriteFailedException.Reason.NO_QUORUM, failed.reason());
        assertEquals(List.of("fresh"), keys(sent.get(1)));
        assertFalse(fresh.isDone());
    }

    @Test
    void shouldKeepEachEntryWithinItsByteBudgetButSendALargeWriteAlone() {
        submit("a");
        String big = "x".repeat(WriteCoalescer.MAX_BYTES);
        submit("c");
        submit(big);
        replyWithExistedFlags(0, false);
        assertEquals(List.of("c"), keys(sent.get(1)));
        replyWithExistedFlags(1, false);
        assertEquals(List.of(big), keys(sent.get(2)));
    }

    private CompletableFuture<Outcome> submit(String key) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        coalescer.submit(WalCodec.encode(List.of(new Op.Set(k, "1".getBytes(StandardCharsets.UTF_8), Entry.NEVER)),
                T0), done);
        return done;
    }

    private void replyWithExistedFlags(int entry, Boolean... existed) {
        List<Outcome> results = new ArrayList<>();
        for (boolean e : existed) {
            results.add(Outcome.applied(1, List.of(new OpResult(e, null, 0, 0, 0))));
        }
        replies.get(entry).complete(ByteBuffer.wrap(Results.encode(results)));
    }

    private static List<String> keys(WalCodec.EntryWrites entry) {
        return entry.writes().stream().map(w -> new String(w.ops().get(0).key(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void shouldBeDescribedInTheArchitectureByTheEntriesItKeepsOnTheirWay() throws Exception {
        String prose = Files.readString(Path.of("..", "docs", "architecture.md")).replaceAll("\\s+", " ");
        String said = switch (WriteCoalescer.MAX_IN_FLIGHT) {
            case 1 -> "while one entry is on its way";
            case 2 -> "while two entries are on their way";
            default -> "while " + WriteCoalescer.MAX_IN_FLIGHT + " entries are on their way";
        };
        assertTrue(prose.contains(said), "docs/architecture.md no longer says \"" + said
                + "\" (WriteCoalescer.MAX_IN_FLIGHT): update the text or the constant");
    }
}
