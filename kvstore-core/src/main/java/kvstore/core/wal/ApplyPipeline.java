package kvstore.core.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Applies replayed writes on a second thread while the first goes on reading and parsing the log, so a
 * start uses both cores: parsing and inserting into the sorted map cost about the same.
 *
 * <p>Units (a single write or a whole batch) are applied in the order they are accepted. {@link #finish}
 * returns once every accepted unit has been applied, and rethrows what the applying thread threw.
 */
final class ApplyPipeline implements Consumer<LoggedUnit> {
    private static final int CHUNK = 4096;
    private static final List<LoggedUnit> END = List.of();

    private final Consumer<LoggedUnit> apply;
    private final BlockingQueue<List<LoggedUnit>> chunks = new ArrayBlockingQueue<>(8);
    private final Thread thread;
    private volatile Throwable failure;
    private List<LoggedUnit> chunk = new ArrayList<>(CHUNK);

    ApplyPipeline(Consumer<LoggedUnit> apply) {
        this.apply = apply;
        this.thread = new Thread(this::run, "kvstore-replay-apply");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void accept(LoggedUnit unit) {
        chunk.add(unit);
        if (chunk.size() == CHUNK) {
            hand(chunk);
            chunk = new ArrayList<>(CHUNK);
        }
    }

    /** Waits until everything accepted so far is applied; rethrows the applying thread's failure. */
    void finish() {
        hand(chunk);
        hand(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while replaying the log", e);
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    private void hand(List<LoggedUnit> units) {
        try {
            while (failure == null && !chunks.offer(units, 100, TimeUnit.MILLISECONDS)) {
                // The applying thread is behind; keep waiting unless it has failed.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while replaying the log", e);
        }
    }

    private void run() {
        try {
            while (true) {
                List<LoggedUnit> units = chunks.take();
                if (units == END) {
                    return;
                }
                for (LoggedUnit unit : units) {
                    apply.accept(unit);
                }
            }
        } catch (InterruptedException e) {
            failure = new IllegalStateException("interrupted while replaying the log", e);
        } catch (RuntimeException | Error e) {
            // Out of memory included: the start must fail rather than serve a store that misses writes.
            failure = e;
        }
    }
}
