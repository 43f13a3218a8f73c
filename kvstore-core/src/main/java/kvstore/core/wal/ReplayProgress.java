package kvstore.core.wal;

import kvstore.core.time.NanoClock;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What a long replay says while it runs: records, bytes and percent of the log read, at most once per
 * {@link #EVERY_NANOS}, and at the end how long it took and its rate, so an operator waiting for a large log to
 * load sees it move. Replay tells it where it is every so many lines; the clock decides whether to report.
 *
 * <p>Threading: used by the replaying thread only.
 */
final class ReplayProgress {
    /** The longest a replay goes without a progress line. */
    static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Path file;
    private final long totalBytes;
    private final NanoClock clock;
    private final Consumer<String> sink;
    private final long startNanos;
    private long lastReportNanos;

    ReplayProgress(Path file, long totalBytes, NanoClock clock, Consumer<String> sink) {
        this.file = file;
        this.totalBytes = totalBytes;
        this.clock = clock;
        this.sink = sink;
        this.startNanos = clock.nanos();
        this.lastReportNanos = startNanos;
    }

    /** Replay has applied {@code records} and read {@code bytes}: reports them if the last report is old enough. */
    void at(long records, long bytes) {
        long now = clock.nanos();
        if (now - lastReportNanos < EVERY_NANOS) {
            return;
        }
        lastReportNanos = now;
        sink.accept(String.format(Locale.ROOT, "replaying %s: %,d records, %,d of %,d bytes (%d%%)", file, records,
                bytes, totalBytes, totalBytes == 0 ? 100 : bytes * 100 / totalBytes));
    }

    /** Replay is over: reports its size, time and rate. */
    void done(long records, long bytes) {
        long nanos = Math.max(1, clock.nanos() - startNanos);
        long perSecond = (long) (records / (nanos / 1e9));
        sink.accept(String.format(Locale.ROOT, "replayed %s: %,d records, %,d bytes in %,d ms (%,d records/s)", file,
                records, bytes, TimeUnit.NANOSECONDS.toMillis(nanos), perSecond));
    }
}
