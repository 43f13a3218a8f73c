package kvstore.netty.cli;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import kvstore.netty.http.OutOfMemoryHandler;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends the process at once, with one {@code FATAL} line on stderr, when continuing could only do harm: a log
 * that can no longer be trusted, or a JVM out of memory (after which nothing it does can be relied on, as
 * with {@code -XX:+ExitOnOutOfMemoryError}). The log holds every acknowledged write, so a restart loses
 * nothing. {@code halt} rather than {@code exit}: no shutdown hook may run or block.
 */
final class FatalExit {
    /** Exit status after a failed fsync of the log or the data directory. */
    static final int LOG_FAILED = 3;
    /** Exit status after the JVM ran out of memory. */
    static final int OUT_OF_MEMORY = 4;
    /** Exit status of a cluster member that met a replicated entry or snapshot it must not skip and cannot apply. */
    static final int MEMBER_STOPPED = 5;

    private static final AtomicBoolean installed = new AtomicBoolean();

    private FatalExit() {
    }

    /** A failed fsync: stop at once rather than acknowledge anything more. */
    static void logFailed(String message, IOException cause) {
        if (OutOfMemoryHandler.isOutOfMemory(cause)) {
            outOfMemory(cause);
        }
        halt(LOG_FAILED, message + ": " + cause.getMessage());
    }

    /** A member that cannot apply what the others did: stop rather than differ from them. */
    static void memberStopped(String why) {
        halt(MEMBER_STOPPED, why + "; this member stops");
    }

    static void outOfMemory(Throwable cause) {
        halt(OUT_OF_MEMORY, "out of memory (" + rootMessage(cause) + "); stopping so that a restart replays the log");
    }

    /**
     * Makes an {@link OutOfMemoryError} fatal wherever it surfaces: in a thread that dies of it (the main
     * thread during start-up included), and in what Netty catches and only logs (event loop tasks, the
     * event loop itself, exceptions no handler took).
     */
    static void install() {
        if (!installed.compareAndSet(false, true)) {
            return;
        }
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (OutOfMemoryHandler.isOutOfMemory(e)) {
                outOfMemory(e);
            } else if (previous != null) {
                previous.uncaughtException(thread, e);
            } else {
                System.err.println("kvstore: thread " + thread.getName() + " stopped: " + e);
            }
        });
        InternalLoggerFactory netty = InternalLoggerFactory.getDefaultFactory();
        InternalLoggerFactory.setDefaultFactory(new InternalLoggerFactory() {
            @Override
            protected InternalLogger newInstance(String name) {
                return watching(loggerOf(netty, name));
            }
        });
    }

    /** A Netty logger that first looks at every throwable it is given. */
    private static InternalLogger watching(InternalLogger logger) {
        return (InternalLogger) Proxy.newProxyInstance(InternalLogger.class.getClassLoader(),
                new Class<?>[] {InternalLogger.class}, (proxy, method, args) -> {
                    if (args != null) {
                        for (Object a : args) {
                            if (a instanceof Throwable t && OutOfMemoryHandler.isOutOfMemory(t)) {
                                outOfMemory(t);
                            }
                        }
                    }
                    try {
                        return method.invoke(logger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code factory.newInstance(name)}, which Netty keeps protected. */
    private static InternalLogger loggerOf(InternalLoggerFactory factory, String name) {
        try {
            Method newInstance = InternalLoggerFactory.class.getDeclaredMethod("newInstance", String.class);
            newInstance.setAccessible(true);
            return (InternalLogger) newInstance.invoke(factory, name);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot wrap Netty's logger", e);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (!(c instanceof OutOfMemoryError) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private static void halt(int status, String message) {
        try {
            System.err.println("kvstore: FATAL: " + message);
            System.err.flush();
        } finally {
            Runtime.getRuntime().halt(status);
        }
    }
}
