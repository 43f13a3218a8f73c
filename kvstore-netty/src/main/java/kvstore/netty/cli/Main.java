package kvstore.netty.cli;

import kvstore.core.CompactionProbe;
import kvstore.core.CorruptLogException;
import kvstore.core.FsyncPolicy;
import kvstore.core.LocalEngine;
import kvstore.netty.http.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The {@code kvstore} command: reads the configuration, opens the data directory and serves HTTP until stopped. */
@Command(name = "kvstore", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "A durable key-value store served over HTTP.%n"
                + "Each option falls back to its environment variable, then to its default.")
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("kvstore");
    /** Exit status of a start that failed after the options were read (port taken, damaged log, ...). */
    static final int START_FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "${env:PORT:-8080}",
            description = "TCP port to listen on (env PORT, default 8080).")
    int port;

    @Option(names = "--data-dir", defaultValue = "${env:DATA_DIR:-./data}",
            description = "Directory of the write-ahead log, created when missing (env DATA_DIR, default ./data).")
    Path dataDir;

    @Option(names = "--host", defaultValue = "${env:KVSTORE_HOST:-127.0.0.1}",
            description = "Address to listen on (env KVSTORE_HOST, default 127.0.0.1).")
    String host;

    @Option(names = "--fsync", defaultValue = "${env:KVSTORE_FSYNC:-always}",
            description = "always, everysec or never (env KVSTORE_FSYNC, default always).")
    String fsync;

    @Option(names = "--max-body", defaultValue = "${env:KVSTORE_MAX_BODY:-1MiB}", converter = ByteSizeConverter.class,
            description = "Largest request body, in bytes or with a KiB/MiB/GiB suffix (env KVSTORE_MAX_BODY, default 1MiB).")
    long maxBody;

    @Option(names = "--idle-timeout", defaultValue = "${env:KVSTORE_IDLE_TIMEOUT:-60}",
            description = "Seconds after which an idle connection is closed (env KVSTORE_IDLE_TIMEOUT, default 60).")
    int idleTimeout;

    @Option(names = "--compact-min-bytes", defaultValue = "${env:KVSTORE_COMPACT_MIN_BYTES:-64MiB}",
            converter = ByteSizeConverter.class,
            description = "Never compact a log smaller than this (env KVSTORE_COMPACT_MIN_BYTES, default 64MiB).")
    long compactMinBytes;

    @Option(names = "--compact-ratio", defaultValue = "${env:KVSTORE_COMPACT_RATIO:-2.0}",
            description = "Compact when the log is more than this many times the live data (env KVSTORE_COMPACT_RATIO, default 2.0).")
    double compactRatio;

    @Option(names = "--repair",
            description = "If the log is damaged before its last line, save a copy as wal.log.broken-<time>, "
                    + "cut the log before the damaged line and start.")
    boolean repair;

    @CommandLine.Mixin
    ClusterOptions cluster = new ClusterOptions();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with kvstore's error handling: one line on stderr for a bad option, never a stack trace. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler(Main::badOption);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("kvstore: " + messageOf(e));
            return START_FAILED;
        });
        return cli;
    }

    /** One line, no usage dump and no stack trace: what was wrong and where to look. */
    private static int badOption(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("kvstore: " + e.getMessage() + " (see --help)");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    @Override
    public Integer call() throws Exception {
        FsyncPolicy policy = validate();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        if (cluster.enabled()) {
            return ClusterServer.run(cluster.config(spec.commandLine(), dataDir, port,
                            spec.commandLine().getParseResult().hasMatchedOption("--port")),
                    host, (int) maxBody, idleTimeout, stop);
        }
        long started = System.nanoTime();
        LocalEngine db;
        try {
            db = LocalEngine.open(LocalEngine.Config.server(dataDir, policy, compactMinBytes, compactRatio, repair,
                    Main::fatal, crashProbe()));
        } catch (CorruptLogException e) {
            return fail(e.getMessage());
        } catch (IOException e) {
            return fail("cannot use data dir " + dataDir + ": " + describe(e));
        }
        HttpServer server;
        try {
            server = HttpServer.start(db, policy.label(), host, port, (int) maxBody, idleTimeout);
        } catch (Exception e) {
            db.close();
            String why = e instanceof UnresolvedAddressException ? "no such host" : messageOf(e);
            return fail("cannot listen on " + host + ":" + port + ": " + why);
        }
        LocalEngine.Recovery replay = db.recovery();
        log.info("kvstore listening on http://{}:{} ({}) data_dir={} fsync={} replayed={} live_keys={} replay_ms={} started_ms={}",
                host, server.address().getPort(), server.transport(), dataDir.toAbsolutePath().normalize(),
                policy.label(), replay.records(), db.stats().keys(), replay.millis(),
                (System.nanoTime() - started) / 1_000_000);
        stop.await();
        log.info("shutting down: no new connections, finishing writes in flight");
        server.stopAccepting();
        db.close();
        server.close();
        log.info("stopped; the log is fsynced and closed");
        return 0;
    }

    private FsyncPolicy validate() {
        if (port < 1 || port > 65535) {
            throw bad("--port", port + " is not a port (1 to 65535)");
        }
        if (maxBody < 1 || maxBody > Integer.MAX_VALUE - 8) {
            throw bad("--max-body", maxBody + " bytes is out of range (1 byte to 2 GiB)");
        }
        if (idleTimeout < 1) {
            throw bad("--idle-timeout", idleTimeout + " is not a positive number of seconds");
        }
        if (!(compactRatio >= 1.0)) {
            throw bad("--compact-ratio", compactRatio + " must be at least 1.0");
        }
        try {
            return FsyncPolicy.parse(fsync);
        } catch (IllegalArgumentException e) {
            throw bad("--fsync", e.getMessage());
        }
    }

    private CommandLine.ParameterException bad(String option, String why) {
        return new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + why);
    }

    /** The JDK names some file errors only by their class and path; say what they mean. */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            String what = e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof FileAlreadyExistsException ? "exists and is not a directory"
                    : e instanceof NoSuchFileException ? "does not exist"
                    : e instanceof NotDirectoryException ? "is not a directory"
                    : e.getClass().getSimpleName();
            return f.getFile() + ": " + what;
        }
        return e.getMessage();
    }

    /** An exception's message, or its kind when it has none (some JDK exceptions carry no message). */
    private static String messageOf(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static int fail(String message) {
        System.err.println("kvstore: " + message);
        return START_FAILED;
    }

    /** A failed fsync: the log can no longer be trusted, so stop at once rather than acknowledge anything. */
    private static void fatal(String message, IOException cause) {
        System.err.println("kvstore: FATAL: " + message + ": " + cause.getMessage());
        System.err.flush();
        Runtime.getRuntime().halt(3);
    }

    /**
     * Test hook for the crash tests: {@code KVSTORE_CRASH_POINT=<point>} halts the process, as a kill -9
     * would, when compaction reaches that point.
     */
    private static CompactionProbe crashProbe() {
        String point = System.getenv("KVSTORE_CRASH_POINT");
        if (point == null || point.isEmpty()) {
            return CompactionProbe.NONE;
        }
        return reached -> {
            if (reached.label.equals(point)) {
                System.err.println("kvstore: crash point " + point + " reached, halting");
                System.err.flush();
                Runtime.getRuntime().halt(86);
            }
        };
    }

    /** Reports the version the jar was built as. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kvstore " + (v == null ? "(development build)" : v)};
        }
    }
}
