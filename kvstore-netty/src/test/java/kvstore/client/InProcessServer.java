package kvstore.client;

import kvstore.core.LocalEngine;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.http.HttpServer;
import kvstore.netty.http.HttpSettings;
import kvstore.netty.http.SseEvents;
import kvstore.netty.metrics.KvMetrics;
import kvstore.netty.security.AccessRules;
import kvstore.netty.security.BearerToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Set;

/**
 * A single kvstore server in this JVM: the real engine on a data directory and the real HTTP server on a loopback
 * port, which {@link #restart()} keeps, so a client can find the server again where it was. For the tests of the
 * client and of the command line against the real server.
 */
public final class InProcessServer implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final AccessRules access;
    private final WatchHub.Settings watchSettings;
    private LocalEngine engine;
    private HttpServer http;

    private InProcessServer(Path dataDir, int port, AccessRules access, WatchHub.Settings watchSettings) {
        this.dataDir = dataDir;
        this.port = port;
        this.access = access;
        this.watchSettings = watchSettings;
    }

    /** A server on {@code dataDir}, open to any loopback client. */
    public static InProcessServer start(Path dataDir) throws Exception {
        return start(dataDir, AccessRules.LOOPBACK_DEFAULTS, WatchHub.Settings.DEFAULTS);
    }

    /** A server on {@code dataDir} whose watches keep {@code watchSettings}' history and buffer. */
    public static InProcessServer start(Path dataDir, WatchHub.Settings watchSettings) throws Exception {
        return start(dataDir, AccessRules.LOOPBACK_DEFAULTS, watchSettings);
    }

    /** A server on {@code dataDir} that wants {@code token} with every request but GET /health. */
    public static InProcessServer startWithToken(Path dataDir, String token) throws Exception {
        return start(dataDir, new AccessRules(BearerToken.of(token), Set.of(), Set.of(), true),
                WatchHub.Settings.DEFAULTS);
    }

    private static InProcessServer start(Path dataDir, AccessRules access, WatchHub.Settings watchSettings)
            throws Exception {
        InProcessServer server = new InProcessServer(dataDir, freePort(), access, watchSettings);
        server.open();
        return server;
    }

    private void open() throws Exception {
        WatchHub watches = watchHub(watchSettings);
        engine = LocalEngine.open(LocalEngine.Config.of(dataDir), watches);
        HttpSettings defaults = HttpSettings.of("127.0.0.1", port, 1 << 20, 60);
        http = HttpServer.start(engine, null, watches, "always", new HttpSettings(defaults.host(), port,
                defaults.maxBody(), defaults.idleSeconds(), defaults.requestTimeoutSeconds(), defaults.maxConnections(),
                access, null), new KvMetrics(NanoClock.SYSTEM), e -> { });
    }

    /** A hub as the server makes one, with {@code settings}. */
    static WatchHub watchHub(WatchHub.Settings settings) {
        return new WatchHub(settings, SseEvents.FORMAT, EpochClock.SYSTEM, NanoClock.SYSTEM);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops the server (connections closed, log fsynced and closed) and starts it again on the same port and data. */
    public void restart() throws Exception {
        stop();
        open();
    }

    /** Stops the server, as SIGTERM does: what was acknowledged is in the log. */
    public void stop() throws Exception {
        if (http != null) {
            http.stopAccepting();
            http.close();
            http = null;
        }
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
