package kvstore.core.wal;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Helpers shared by the tests that write through a {@link WalWriter} (directly or via the Database) or read its log. */
public final class WalTesting {
    private WalTesting() {
    }

    /** A completion that hands the results of an acknowledged write to ok and the cause of a refused one to failed. */
    public static WalWriter.Completion completion(Consumer<List<OpResult>> ok, Consumer<LogWriteException> failed) {
        return new WalWriter.Completion() {
            @Override
            public void completed(List<OpResult> results) {
                ok.accept(results);
            }

            @Override
            public void failed(LogWriteException cause) {
                failed.accept(cause);
            }
        };
    }

    /** A completion that completes future with the results, or exceptionally when the write is refused. */
    public static WalWriter.Completion completing(CompletableFuture<List<OpResult>> future) {
        return completion(future::complete, future::completeExceptionally);
    }

    /** The records of the log file, parsed line by line; the file must end with a whole line. */
    static List<WalRecord> readLog(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        List<WalRecord> records = new ArrayList<>();
        CRC32C crc = new CRC32C();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                records.add(WalRecord.parse(bytes, start, i - start, crc));
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
}
