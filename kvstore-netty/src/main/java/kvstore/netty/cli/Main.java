package kvstore.netty.cli;

import io.netty.handler.ssl.SslContext;
import kvstore.core.CompactionProbe;
import kvstore.core.CorruptLogException;
import kvstore.core.FsyncPolicy;
import kvstore.core.LocalEngine;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.cli.client.ClientCommands;
import kvstore.netty.http.HttpServer;
import kvstore.netty.http.HttpSettings;
import kvstore.netty.security.AccessRules;
import kvstore.raft.MemberConfig;
import kvstore.netty.metrics.KvMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The {@code kvstore} command: reads the configuration, opens the data directory and serves HTTP until stopped. */
@Command(name = "kvstore", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "A durable key-value store served over HTTP.%n"
                + "Each option falls back to its environment variable, then to its default.")
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("kvstore");
    /** Exit status of a start that failed after the options were read (port taken, damaged log, ...). */
    static final int START_FAILED = 1;
    /** How long a stop waits for connections to answer what they read; the whole stop must fit in 5 s. */
    static final long DRAIN_MILLIS = 2_000;
    private static final String NETTY_JFR = "io.netty.jfr.enabled";

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

    @Option(names = "--request-timeout", defaultValue = "${env:KVSTORE_REQUEST_TIMEOUT:-30}",
            description = "Seconds from a request's first byte to its last before it gets 408 and the connection "
                    + "closes (env KVSTORE_REQUEST_TIMEOUT, default 30).")
    int requestTimeout;

    @Option(names = "--max-connections", defaultValue = "${env:KVSTORE_MAX_CONNECTIONS:-10000}",
            description = "Most client connections open at once; one more is closed at once "
                    + "(env KVSTORE_MAX_CONNECTIONS, default 10000).")
    int maxConnections;

    @Option(names = "--compact-min-bytes", defaultValue = "${env:KVSTORE_COMPACT_MIN_BYTES:-64MiB}",
            converter = ByteSizeConverter.class,
            description = "Never compact a log smaller than this (env KVSTORE_COMPACT_MIN_BYTES, default 64MiB).")
    long compactMinBytes;

    @Option(names = "--compact-ratio", defaultValue = "${env:KVSTORE_COMPACT_RATIO:-2.0}",
            description = "Compact when the log is more than this many times the live data (env KVSTORE_COMPACT_RATIO, default 2.0).")
    double compactRatio;

    @Option(names = "--max-memory", defaultValue = "${env:KVSTORE_MAX_MEMORY}", converter = ByteSizeConverter.class,
            description = "Ceiling on the data set's estimated memory, in bytes or with a KiB/MiB/GiB suffix; a write "
                    + "past it gets 507 (env KVSTORE_MAX_MEMORY, default half the maximum heap).")
    Long maxMemory;

    @CommandLine.Mixin
    SecurityOptions security;

    @Option(names = "--repair",
            description = "If the log is damaged before its last line, save a copy as wal.log.broken-<time>, "
                    + "cut the log before the damaged line and start.")
    boolean repair;

    @CommandLine.Mixin
    ClusterOptions cluster = new ClusterOptions();

    @CommandLine.Mixin
    WatchOptions watch = new WatchOptions();

    public static void main(String[] args) {
        FatalExit.install();
        // Netty's flight-recorder events (buffer chunks) start the recorder's machinery when Netty loads, a good
        // share of a start's CPU; whoever profiles with them turns them on with -Dio.netty.jfr.enabled=true.
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The command line with kvstore's error handling: one line on stderr for a bad option, never a stack trace.
     * Public for the client subcommands' tests, which run it as the jar does.
     */
    public static CommandLine commandLine() {
        return commandLine(true);
    }

    /**
     * The command line for these arguments: a server's start leaves the client subcommands out, whose model would
     * cost every start a good share of its CPU.
     */
    static CommandLine commandLine(String[] args) {
        return commandLine(ClientCommands.wantedBy(args));
    }

    private static CommandLine commandLine(boolean withClientCommands) {
        CommandLine cli = new CommandLine(new Main());
        if (withClientCommands) {
            ClientCommands.addTo(cli);
        }
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
        AccessRules access;
        SslContext tls;
        try {
            access = security.access(host);
            tls = security.tls();
        } catch (SecurityOptions.BadSecurityOption e) {
            throw SecurityOptions.asParameterError(spec.commandLine(), e);
        }
        WatchHub watches = watch.hub(spec.commandLine());
        StopSignal stop = StopSignal.install();
        try {
            return serve(policy, access, tls, watches, stop);
        } finally {
            stop.cancel();
        }
    }

    private int serve(FsyncPolicy policy, AccessRules access, SslContext tls, WatchHub watches, StopSignal stop)
            throws Exception {
        if (cluster.enabled()) {
            MemberConfig member = cluster.config(spec.commandLine(), dataDir, port,
                    spec.commandLine().getParseResult().hasMatchedOption("--port"), security.insecureNoAuth);
            if (maxMemory != null) {
                member = member.withMaxMemory(maxMemory);
            }
            member = member.withMaxBody(maxBody);
            return ClusterServer.run(member, cluster.join(), new HttpSettings(host, member.self().httpPort(),
                    (int) maxBody, idleTimeout, requestTimeout, maxConnections, access, tls), watches, stop);
        }
        String portTaken = portUnavailable();
        if (portTaken != null) {
            return fail("cannot listen on " + host + ":" + port + ": " + portTaken);
        }
        long started = System.nanoTime();
        KvMetrics metrics = new KvMetrics(NanoClock.SYSTEM);
        LocalEngine db;
        try {
            db = LocalEngine.open(LocalEngine.Config.server(dataDir, policy, compactMinBytes, compactRatio, repair,
                    FatalExit::logFailed, crashProbe())
                    .withMaxMemory(maxMemory != null ? maxMemory : LocalEngine.Config.defaultMaxMemory())
                    .withObserver(metrics.logObserver()), watches);
        } catch (CorruptLogException e) {
            return fail(e.getMessage());
        } catch (IOException e) {
            return fail("cannot use data dir " + dataDir + ": " + describe(e));
        }
        metrics.watch(db::stats);
        HttpServer server;
        try {
            server = HttpServer.start(db, null, watches, policy.label(), new HttpSettings(host, port, (int) maxBody,
                    idleTimeout, requestTimeout, maxConnections, access, tls), metrics, FatalExit::outOfMemory);
        } catch (Exception e) {
            db.close();
            String why = e instanceof UnresolvedAddressException ? "no such host" : messageOf(e);
            return fail("cannot listen on " + host + ":" + port + ": " + why);
        }
        LocalEngine.Recovery replay = db.recovery();
        log.info("kvstore listening on {}://{}:{} ({}) data_dir={} fsync={} replayed={} live_keys={} replay_ms={} started_ms={}",
                tls == null ? "http" : "https", host, server.address().getPort(), server.transport(),
                dataDir.toAbsolutePath().normalize(),
                policy.label(), replay.records(), db.stats().keys(), replay.millis(),
                (System.nanoTime() - started) / 1_000_000);
        stop.await();
        log.info("shutting down: no new connections, answering the requests already read");
        server.stopAccepting();
        server.drain(DRAIN_MILLIS);
        db.close();
        server.close();
        log.info("stopped; the log is fsynced and closed");
        stop.stopped();
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
        if (requestTimeout < 1) {
            throw bad("--request-timeout", requestTimeout + " is not a positive number of seconds");
        }
        if (maxConnections < 1) {
            throw bad("--max-connections", maxConnections + " must be at least 1");
        }
        if (!(compactRatio >= 1.0)) {
            throw bad("--compact-ratio", compactRatio + " must be at least 1.0");
        }
        if (maxMemory != null && maxMemory < 1) {
            throw bad("--max-memory", maxMemory + " bytes is not a positive size");
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

    /**
     * Why {@code host:port} cannot be listened on, or null: checked before the replay, which may take minutes,
     * so that a port already taken is said at once (the server binds for good once the data is loaded).
     */
    private String portUnavailable() {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            return "no such host";
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address);
            return null;
        } catch (IOException e) {
            return messageOf(e);
        }
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
