package kvstore.core.wal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@link LogWorker}'s only way in: tasks offered by any thread, taken in arrival order by the worker's
 * thread. Once the close is asked for nothing more is accepted, so every task accepted is queued ahead of
 * the {@link LogTask.Close} and is either handled or refused, never lost.
 *
 * <p>Several tasks offered together ({@link #offerAll}) wake a waiting worker once, after the last is queued:
 * woken after the first, on a busy core it could run before the rest arrive and write them one group each.
 *
 * <p>Threading: {@link #offer}, {@link #offerAll} and {@link #close} from any thread; taking and draining on the
 * worker's thread. Everything is guarded by {@link #lock}.
 */
final class LogTaskQueue {
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<LogTask> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}: no task is accepted once the close was asked for. */
    private boolean closing;
    /** Guarded by {@link #lock}: the worker waits for a task, so an offer must wake it. */
    private boolean workerWaiting;

    /** Queues {@code task}; false, and nothing queued, once the close was asked for. */
    boolean offer(LogTask task) {
        return offerAll(List.of(task));
    }

    /** Queues every task of {@code tasks}, in order, waking the worker once; false, and none queued, once closing. */
    boolean offerAll(List<? extends LogTask> tasks) {
        synchronized (lock) {
            if (closing) {
                return false;
            }
            queue.addAll(tasks);
            wakeWorker();
            return true;
        }
    }

    /** Queues the {@link LogTask.Close} behind everything accepted so far, once however often it is called. */
    void close() {
        synchronized (lock) {
            if (!closing) {
                closing = true;
                queue.add(new LogTask.Close());
                wakeWorker();
            }
        }
    }

    /** The next task, waiting as long as it takes. */
    LogTask take() throws InterruptedException {
        synchronized (lock) {
            while (queue.isEmpty()) {
                await(0);
            }
            return queue.poll();
        }
    }

    /** The next task, or null when none came within {@code nanos}. */
    LogTask poll(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            for (long left = nanos; queue.isEmpty() && left > 0; left = deadline - System.nanoTime()) {
                await(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return queue.poll();
        }
    }

    /** Moves at most {@code max} queued tasks to {@code into}, without waiting. */
    void drainTo(List<LogTask> into, int max) {
        synchronized (lock) {
            for (int i = 0; i < max && !queue.isEmpty(); i++) {
                into.add(queue.poll());
            }
        }
    }

    /** Moves every queued task to {@code into}, without waiting. */
    void drainTo(List<LogTask> into) {
        drainTo(into, Integer.MAX_VALUE);
    }

    /** Holding {@link #lock}: waits up to {@code millis} (0: without limit) for an offer. */
    private void await(long millis) throws InterruptedException {
        workerWaiting = true;
        try {
            lock.wait(millis);
        } finally {
            workerWaiting = false;
        }
    }

    private void wakeWorker() {
        if (workerWaiting) {
            lock.notify();
        }
    }
}
