package kvstore.netty.cli;

import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.http.SseEvents;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of watches ({@code GET /watch}), mixed into {@link Main}, and the hub they make. */
final class WatchOptions {
    /** More would hold more changes than a default heap has room for, at any value size. */
    private static final long MOST_HISTORY = 100_000_000;

    @Option(names = "--watch-history", defaultValue = "${env:KVSTORE_WATCH_HISTORY:-100000}",
            description = "Keep at least this many of the latest changes for watches to start from; an older "
                    + "'from' gets 410 (env KVSTORE_WATCH_HISTORY, default 100000).")
    long history;

    @Option(names = "--watch-buffer", defaultValue = "${env:KVSTORE_WATCH_BUFFER:-1MiB}",
            converter = ByteSizeConverter.class,
            description = "Most unsent bytes a watch stream may hold; a watcher past it is cut off with an error "
                    + "event (env KVSTORE_WATCH_BUFFER, default 1MiB).")
    long bufferBytes;

    /** For the tests: 10 s of waiting for a progress event makes a slow suite. */
    @Option(names = "--watch-progress-millis", hidden = true, defaultValue = "10000")
    long progressMillis;

    /** A hub for watches as the options say, told of the store's changes by the engine it is given to. */
    WatchHub hub(CommandLine commandLine) {
        if (history < 1 || history > MOST_HISTORY) {
            throw bad(commandLine, "--watch-history", history + " is out of range (1 to " + MOST_HISTORY + ")");
        }
        if (bufferBytes < 1) {
            throw bad(commandLine, "--watch-buffer", bufferBytes + " bytes is not a positive size");
        }
        if (progressMillis < 1) {
            throw bad(commandLine, "--watch-progress-millis", progressMillis + " is not a positive number");
        }
        return new WatchHub(new WatchHub.Settings((int) history, bufferBytes, progressMillis), SseEvents.FORMAT,
                EpochClock.SYSTEM, NanoClock.SYSTEM);
    }

    private static CommandLine.ParameterException bad(CommandLine commandLine, String option, String why) {
        return new CommandLine.ParameterException(commandLine, "Invalid value for option '" + option + "': " + why);
    }
}
