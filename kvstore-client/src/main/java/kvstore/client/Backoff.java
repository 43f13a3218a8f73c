package kvstore.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The pause before a watch connects again: it doubles from {@code initial} up to {@code max} while connecting
 * keeps failing, and starts again from {@code initial} once a connection delivered something. Each pause is
 * drawn between half and all of the current step, so watchers cut off together do not all come back at once.
 * One per watch, used by its thread only.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final DoubleSupplier random;
    private long stepNanos;

    /** {@code random} gives numbers in [0, 1): the jitter, injected so tests can fix it. 0 < initial <= max. */
    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
        this.stepNanos = initialNanos;
    }

    /** The next pause; the one after it will be up to twice as long. */
    long nextNanos() {
        long step = stepNanos;
        stepNanos = Math.min(maxNanos, step > maxNanos / 2 ? maxNanos : step * 2);
        return step / 2 + (long) (random.getAsDouble() * (step - step / 2));
    }

    /** A connection worked: the next failure waits the shortest pause again. */
    void reset() {
        stepNanos = initialNanos;
    }
}
