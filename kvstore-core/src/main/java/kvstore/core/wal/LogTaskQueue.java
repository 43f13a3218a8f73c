package kvstore.core.wal;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The {@link LogWorker}'s only way in: tasks offered by any thread, taken in arrival order by the worker's
 * thread. Once the close is asked for nothing more is accepted, so every task accepted is queued ahead of
 * the {@link LogTask.Close} and is either handled or refused, never lost.
 *
 * <p>Threading: {@link #offer} and {@link #close} from any thread; taking and draining on the worker's thread.
 */
final class LogTaskQueue {
    private final BlockingQueue<LogTask> queue = new LinkedBlockingQueue<>();
    /** Guards {@link #closing}, so that no task is accepted after the close. */
    private final Object admission = new Object();
    /** Guarded by {@link #admission}. */
    private boolean closing;

    /** Queues {@code task}; false, and nothing queued, once the close was asked for. */
    boolean offer(LogTask task) {
        synchronized (admission) {
            if (!closing) {
                queue.add(task);
            }
            return !closing;
        }
    }

    /** Queues the {@link LogTask.Close} behind everything accepted so far, once however often it is called. */
    void close() {
        synchronized (admission) {
            if (!closing) {
                closing = true;
                queue.add(new LogTask.Close());
            }
        }
    }

    /** The next task, waiting as long as it takes. */
    LogTask take() throws InterruptedException {
        return queue.take();
    }

    /** The next task, or null when none came within {@code nanos}. */
    LogTask poll(long nanos) throws InterruptedException {
        return queue.poll(nanos, TimeUnit.NANOSECONDS);
    }

    /** Moves at most {@code max} queued tasks to {@code into}, without waiting. */
    void drainTo(List<LogTask> into, int max) {
        queue.drainTo(into, max);
    }

    /** Moves every queued task to {@code into}, without waiting. */
    void drainTo(List<LogTask> into) {
        queue.drainTo(into);
    }
}
