package kvstore.netty.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code SIGTERM} and {@code SIGINT} as a clean stop that exits 0. The JVM runs a shutdown hook on either
 * signal; the hook tells the serving thread to stop ({@link #await} returns), waits until it has
 * ({@link #stopped}), then ends the process with status 0 rather than the 143 or 130 a signal leaves. A start
 * that ends another way removes the hook ({@link #cancel}), so that its own exit status stands.
 */
final class StopSignal {
    /** Beyond this the hook gives up waiting and lets the JVM end with the signal's status. */
    private static final long STOP_LIMIT_SECONDS = 10;

    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onSignal, "kvstore-stop");

    private StopSignal() {
    }

    static StopSignal install() {
        StopSignal signal = new StopSignal();
        Runtime.getRuntime().addShutdownHook(signal.hook);
        return signal;
    }

    /** Blocks until a stop is asked for. */
    void await() throws InterruptedException {
        requested.await();
    }

    /** The clean stop is done: the process may end, with status 0. */
    void stopped() {
        done.countDown();
    }

    /** The process ends another way (a failed start); harmless once a stop is under way. */
    void cancel() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it ends the process itself.
        }
    }

    private void onSignal() {
        requested.countDown();
        try {
            if (done.await(STOP_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                Runtime.getRuntime().halt(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
