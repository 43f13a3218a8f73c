package kvstore.bench;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.wal.WalEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Encoding one set, and a batch of ten, as checksummed log lines. */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WalEncoderBenchmark {
    private final WalEncoder encoder = new WalEncoder();
    private final byte[] value = ("\"" + "v".repeat(100) + "\"").getBytes(StandardCharsets.UTF_8);
    private final List<Op> one = List.of(new Op.Set("k0001234".getBytes(StandardCharsets.UTF_8), value, Entry.NEVER));
    private final byte[] head = new WalEncoder().encodeUnit(one, 1_795_650_410_798L).head();
    private final List<Op> ten = new ArrayList<>();

    {
        for (int i = 0; i < 10; i++) {
            ten.add(new Op.Set(("k000123" + i).getBytes(StandardCharsets.UTF_8), value, Entry.NEVER));
        }
    }

    @Benchmark
    public byte[] encodeOneSet() {
        return encoder.encode(one, 1_795_650_410_798L);
    }

    /** The log worker's part of a unit's line: its revision member and the checksum over the whole line. */
    @Benchmark
    public byte[] finishOnTheWriter() {
        return encoder.finish(head, 1_234_567);
    }

    @Benchmark
    public byte[] encodeBatchOfTen() {
        return encoder.encode(ten, 1_795_650_410_798L);
    }
}
