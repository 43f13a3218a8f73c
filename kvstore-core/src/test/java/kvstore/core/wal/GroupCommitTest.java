package kvstore.core.wal;

import kvstore.core.FsyncPolicy;
import kvstore.core.LogObserver;
import kvstore.core.RateLimitedLog;
import kvstore.core.WriteFailedException;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static kvstore.core.wal.WalTesting.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class GroupCommitTest {
    private static final long TS = 1_700_000_000_000L;
    private static final String CANNOT_WRITE = "cannot write to";

    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong();
    private final WalEncoder encoder = new WalEncoder();
    private FaultyFileChannel channel;

    @Test
    void shouldWarnOfAFullDiskOncePerIntervalWithACountOfTheRefusalsLeftOut() throws Exception {
        LogFile file = LogFile.open(dir.resolve(WalFormat.FILE_NAME), f -> channel = FaultyFileChannel.open(f));
        GroupCommit group = new GroupCommit(file, FsyncPolicy.ALWAYS, new Store(), () -> TS,
                (message, cause) -> fail("a full disk is not fatal: " + message), nanos::get, LogObserver.NONE);
        channel.spaceLimit = 0;
        int refusals = 1000;

        String stderr = stderrOf(() -> {
            for (int i = 0; i < refusals; i++) {
                assertRefused(group);
            }
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(RateLimitedLog.DEFAULT_INTERVAL_SECONDS));
            assertRefused(group);
        });

        List<String> warnings = stderr.lines().filter(line -> line.contains(CANNOT_WRITE)).toList();
        assertEquals(2, warnings.size(), stderr);
        assertTrue(warnings.get(0).contains(FaultyFileChannel.NO_SPACE), warnings.get(0));
        assertFalse(warnings.get(0).contains("more like this"), warnings.get(0));
        assertTrue(warnings.get(1).endsWith("(" + (refusals - 1) + " more like this since the last one)"),
                warnings.get(1));
        file.close();
    }

    private void assertRefused(GroupCommit group) {
        List<Op> ops = set("k", "1");
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        group.commit(List.of(new LogTask.Append(ops, encoder.encodeUnit(ops, TS), done)));
        ExecutionException e = assertThrows(ExecutionException.class, done::get);
        assertEquals(WriteFailedException.Reason.NOT_STORED,
                assertInstanceOf(WriteFailedException.class, e.getCause()).reason());
    }

    /** What {@code action} logs: slf4j-simple writes to whatever {@link System#err} is at the time. */
    private static String stderrOf(Runnable action) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
