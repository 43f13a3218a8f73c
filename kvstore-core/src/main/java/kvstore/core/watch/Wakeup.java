package kvstore.core.watch;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a task on an executor once after new changes arrive, however many arrive before it runs: the hub wakes
 * each watchers' thread once per burst of changes, never once per change or per watcher. The task must look at
 * everything new, since changes that arrive while it runs wake it again.
 *
 * <p>Threads: {@link #wake} on the applying thread; the task on the executor's.
 */
public final class Wakeup implements AutoCloseable {
    private final WatchHub hub;
    private final Executor executor;
    private final Runnable run;
    private final AtomicBoolean pending = new AtomicBoolean();

    Wakeup(WatchHub hub, Executor executor, Runnable task) {
        this.hub = hub;
        this.executor = executor;
        this.run = () -> {
            pending.set(false); // before the task looks, so that a change it does not see wakes it again
            task.run();
        };
    }

    /** Applying thread: schedules the task unless it is already scheduled. Never blocks, never throws. */
    void wake() {
        if (pending.get() || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(run);
        } catch (RejectedExecutionException e) {
            pending.set(false); // the executor is shutting down: its watchers go with it
        }
    }

    /** Stops the wake-ups. */
    @Override
    public void close() {
        hub.remove(this);
    }
}
