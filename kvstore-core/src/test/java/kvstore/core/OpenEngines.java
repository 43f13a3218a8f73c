package kvstore.core;

import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engines a test opens, on one injected wall clock ({@link #now}), each closed when the test ends (registered
 * with {@code @RegisterExtension}): the fixture the engine tests share.
 */
final class OpenEngines implements AfterEachCallback {
    static final long START = 1_700_000_000_000L;

    /** The wall clock of every engine opened here. */
    final AtomicLong now = new AtomicLong(START);
    private final List<LocalEngine> open = new ArrayList<>();

    /** Opens an engine on {@code config}, to be closed with the others. */
    LocalEngine open(LocalEngine.Config config) throws IOException {
        LocalEngine db = LocalEngine.open(config);
        open.add(db);
        return db;
    }

    /** Opens {@code data} without fsync (the tests cut no power), with {@code probe} at compaction's points. */
    LocalEngine open(Path data, CompactionProbe probe, boolean repair) throws IOException {
        return open(new LocalEngine.Config(data, FsyncPolicy.NEVER, 64L << 20, 2.0, repair, 1L << 30,
                FatalHandler.IGNORE, probe, now::get, System::nanoTime));
    }

    /** Closes {@code db} now, as a restart would. */
    void close(LocalEngine db) throws IOException {
        open.remove(db);
        db.close();
    }

    /** Writes {@code ops} and waits for their outcome. */
    static Outcome write(LocalEngine db, List<Op> ops) {
        try {
            return db.submit(ops, db.now()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code condition} until it holds, for at most 10 s. */
    static void waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met in 10 s");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (LocalEngine db : open) {
            db.close();
        }
        open.clear();
    }
}
