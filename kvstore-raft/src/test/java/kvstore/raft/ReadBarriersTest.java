package kvstore.raft;

import kvstore.core.WriteFailedException;
import org.junit.jupiter.api.Test;

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

class ReadBarriersTest {
    private static final long TIMEOUT_MILLIS = 1_000;

    /** The rounds started, each with the future that ends it. */
    private final List<CompletableFuture<Void>> rounds = new ArrayList<>();
    private long nanos;
    private final ReadBarriers barriers = new ReadBarriers(deadline -> {
        CompletableFuture<Void> round = new CompletableFuture<>();
        rounds.add(round);
        return round;
    }, TIMEOUT_MILLIS, () -> nanos);

    @Test
    void shouldServeEveryReadThatArrivedDuringARoundWithTheNextRoundOnly() {
        CompletableFuture<Void> first = barriers.await();
        CompletableFuture<Void> second = barriers.await();
        CompletableFuture<Void> third = barriers.await();
        assertEquals(1, rounds.size(), "one round at a time");

        rounds.get(0).complete(null);
        assertTrue(first.isDone());
        assertFalse(second.isDone(), "the first round started before this read arrived: it may not cover it");
        assertEquals(2, rounds.size());

        rounds.get(1).complete(null);
        assertTrue(second.isDone() && third.isDone());
        barriers.await();
        assertEquals(3, rounds.size(), "a read after the rounds ended starts one of its own");
    }

    @Test
    void shouldFailTheReadsOfAFailedRoundAndGoOnWithTheNext() {
        CompletableFuture<Void> first = barriers.await();
        CompletableFuture<Void> second = barriers.await();
        WriteFailedException noQuorum = ReadBarriers.noQuorum();
        rounds.get(0).completeExceptionally(noQuorum);
        ExecutionException e = assertThrows(ExecutionException.class, first::get);
        assertEquals(noQuorum, e.getCause());
        assertEquals(2, rounds.size());
        rounds.get(1).complete(null);
        assertTrue(second.isDone() && !second.isCompletedExceptionally());
    }

    @Test
    void shouldFailWithoutARoundAReadWhoseTimeRanOutWhileItWaited() {
        barriers.await();
        CompletableFuture<Void> late = barriers.await();
        nanos += TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        rounds.get(0).complete(null);
        ExecutionException e = assertThrows(ExecutionException.class, late::get);
        assertInstanceOf(WriteFailedException.class, e.getCause());
        assertEquals(1, rounds.size(), "nothing left to start a round for");
    }
}
