package kvstore.core.wal;

import kvstore.core.store.Op;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ApplyPipelineTest {
    @Test
    void shouldApplyEveryUnitInOrderAcrossChunksBeforeFinishReturns() {
        List<Integer> seen = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        ApplyPipeline pipeline = new ApplyPipeline(unit -> {
            seen.add(Integer.parseInt(new String(unit.ops().get(0).key(), StandardCharsets.US_ASCII)));
            if (threads.isEmpty()) {
                threads.add(Thread.currentThread());
            }
        });
        int units = 3 * 4096 + 17;
        for (int i = 0; i < units; i++) {
            pipeline.accept(new LoggedUnit(List.of(new Op.Delete(Integer.toString(i).getBytes(StandardCharsets.US_ASCII))), 0, 0));
        }

        pipeline.finish();

        assertEquals(units, seen.size());
        for (int i = 0; i < units; i++) {
            assertEquals(i, seen.get(i));
        }
        assertNotEquals(Thread.currentThread(), threads.get(0));
    }

    @Test
    void shouldFinishWithNothingAccepted() {
        AtomicInteger applied = new AtomicInteger();
        ApplyPipeline pipeline = new ApplyPipeline(unit -> applied.incrementAndGet());

        pipeline.finish();

        assertEquals(0, applied.get());
    }

    @Test
    void shouldRethrowWhatTheApplyingThreadThrew() {
        IllegalStateException boom = new IllegalStateException("boom");
        ApplyPipeline pipeline = new ApplyPipeline(unit -> {
            throw boom;
        });
        for (int i = 0; i < 20_000; i++) {
            pipeline.accept(new LoggedUnit(List.of(new Op.Delete(new byte[] {'k'})), 0, 0));
        }

        assertSame(boom, assertThrows(IllegalStateException.class, pipeline::finish));
    }

    @Test
    void shouldNotReportSuccessWhenTheApplyingThreadDiedOfAnError() {
        ApplyPipeline pipeline = new ApplyPipeline(unit -> {
            throw new OutOfMemoryError("simulated: Java heap space");
        });
        pipeline.accept(new LoggedUnit(List.of(new Op.Delete(new byte[] {'k'})), 0, 0));

        assertThrows(OutOfMemoryError.class, pipeline::finish, "units were dropped, yet finish() reported success");
    }
}
