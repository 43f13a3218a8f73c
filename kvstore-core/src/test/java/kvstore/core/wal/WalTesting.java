package kvstore.core.wal;

import kvstore.core.LogObserver;
import kvstore.core.CompactionProbe;
import kvstore.core.Engine;
import kvstore.core.FatalHandler;
import kvstore.core.FsyncPolicy;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Helpers shared by the tests that write through a {@link LogWorker} (directly or via the engine) or read its log. */
public final class WalTesting {
    private WalTesting() {
    }

    /** What a test does when a submitted write completes, on the log worker's thread. */
    interface Callback {
        void completed(Outcome outcome);

        void failed(Throwable cause);
    }

    /** A future for one submitted write that hands its outcome to {@code callback} as it completes. */
    static CompletableFuture<Outcome> completion(Callback callback) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        future.whenComplete((outcome, failure) -> {
            if (failure == null) {
                callback.completed(outcome);
            } else {
                callback.failed(failure);
            }
        });
        return future;
    }

    /** A future that hands the results of an acknowledged write to ok and the cause of a refused one to failed. */
    static CompletableFuture<Outcome> completion(Consumer<List<OpResult>> ok, Consumer<Throwable> failed) {
        return completion(new Callback() {
            @Override
            public void completed(Outcome outcome) {
                ok.accept(outcome.results());
            }

            @Override
            public void failed(Throwable cause) {
                failed.accept(cause);
            }
        });
    }

    /** A worker on {@code file} over {@code store}, on {@code clock}, that never compacts; {@link LogWorker#start} it. */
    static LogWorker worker(LogFile file, FsyncPolicy policy, Store store, EpochClock clock, FatalHandler fatal,
                            NanoClock nanoClock) {
        return new LogWorker(new GroupCommit(file, policy, store, clock, fatal, nanoClock, LogObserver.NONE),
                new Compaction(store, null, new CompactionPolicy(Long.MAX_VALUE, 1.0, CompactionProbe.NONE),
                        clock, nanoClock, LogObserver.NONE));
    }

    /** Submits {@code ops}, encoded as the engine encodes them at {@code timestampMillis}, to {@code worker}. */
    static void submit(LogWorker worker, List<Op> ops, long timestampMillis, CompletableFuture<Outcome> done) {
        worker.submit(ops, new WalEncoder().encodeUnit(ops, timestampMillis), done);
    }

    /** The lines of the log file after its version mark (if any), parsed; the file must end with a whole line. */
    static List<WalDecoder.Line> readLog(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        List<WalDecoder.Line> records = new ArrayList<>();
        CRC32C crc = new CRC32C();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                WalDecoder.Line line = WalDecoder.parse(bytes, start, i - start, crc);
                if (line.kind() != WalDecoder.Line.Kind.VERSION) {
                    records.add(line);
                }
                start = i + 1;
            }
        }
        assertEquals(bytes.length, start, "the log ends with a whole line");
        return records;
    }

    /** One set of key to the JSON value, without expiry. */
    public static List<Op> set(String key, String json) {
        return List.of(new Op.Set(utf8(key), utf8(json), Entry.NEVER));
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The keys as strings, in their order. */
    public static List<String> strings(List<byte[]> keys) {
        return keys.stream().map(WalTesting::str).toList();
    }

    /** The live value of {@code key} as text; fails when the key is absent. */
    public static String value(Engine db, String key) {
        Entry e = db.get(utf8(key));
        assertNotNull(e, key);
        return str(e.value());
    }
}
