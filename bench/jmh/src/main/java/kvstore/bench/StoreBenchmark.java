package kvstore.bench;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Store;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Point reads, overwrites and 100-key prefix listings on a store of {@code keys} keys with 100-byte values. */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class StoreBenchmark {
    @Param({"10000", "1000000"})
    int keys;

    private final Store store = new Store();
    private byte[][] names;
    private byte[] value;

    @Setup
    public void fill() {
        names = new byte[keys][];
        value = ("\"" + "v".repeat(100) + "\"").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < keys; i++) {
            names[i] = String.format("k%07d", i).getBytes(StandardCharsets.UTF_8);
            store.applyUnit(List.of(new Op.Set(names[i], value, Entry.NEVER)), 0);
        }
    }

    private byte[] anyKey() {
        return names[ThreadLocalRandom.current().nextInt(keys)];
    }

    @Benchmark
    public Entry get() {
        return store.get(anyKey(), 0);
    }

    @Benchmark
    public Object overwrite() {
        return store.applyUnit(List.of(new Op.Set(anyKey(), value, Entry.NEVER)), 0);
    }

    @Benchmark
    public List<byte[]> list100() {
        byte[] key = anyKey();
        return store.keysWithPrefix(Arrays.copyOf(key, key.length - 2), 0);
    }
}
