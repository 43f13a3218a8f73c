package kvstore.netty.cli;

import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.http.HttpSettings;
import kvstore.netty.metrics.KvMetrics;
import kvstore.netty.http.HttpServer;
import kvstore.core.cluster.Cluster;
import kvstore.core.cluster.ClusterStatus;
import kvstore.raft.Member;
import kvstore.raft.MemberConfig;
import kvstore.raft.RaftEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Runs one cluster member: its Raft engine and its HTTP server, until stopped. */
final class ClusterServer {
    private static final Logger log = LoggerFactory.getLogger("kvstore");
    /** No --fsync policy applies: Ratis fsyncs its log before a member acknowledges an entry. */
    private static final String NO_FSYNC_POLICY = null;

    private ClusterServer() {
    }

    /**
     * Serves until {@code stop} opens; returns the exit status. {@code join} is the HTTP address of a member of the
     * cluster this member joins, or null.
     */
    static int run(MemberConfig config, String join, HttpSettings settings, WatchHub watches, StopSignal stop)
            throws Exception {
        Member self = config.self();
        RaftEngine engine;
        try {
            engine = RaftEngine.start(config, watches, FatalExit::memberStopped);
        } catch (IOException | RuntimeException e) {
            return fail("cannot start cluster member " + config.nodeId() + " (data dir " + config.dataDir()
                    + ", raft port " + self.raftPort() + "): " + e.getMessage());
        }
        HttpServer server;
        try {
            KvMetrics metrics = new KvMetrics(NanoClock.SYSTEM);
            metrics.watch(engine::stats);
            metrics.watch((Cluster) engine);
            server = HttpServer.start(engine, engine, watches, NO_FSYNC_POLICY, settings, metrics, FatalExit::outOfMemory);
        } catch (Exception e) {
            engine.close();
            return fail("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage());
        }
        ClusterStatus status = engine.status();
        log.info("kvstore cluster member {} listening on http://{}:{} ({}) raft={}{} data_dir={} members={} applied_index={}",
                config.nodeId(), settings.host(), server.address().getPort(), server.transport(), self.raftAddress(),
                config.peerTls() != null ? " (mutual TLS)" : "", config.dataDir().toAbsolutePath().normalize(),
                status.members().size(), status.appliedIndex());
        if (join != null && status.members().isEmpty()) {
            String request = "{\"id\":\"" + config.nodeId() + "\",\"http\":\"" + self.httpAddress()
                    + "\",\"raft\":\"" + self.raftAddress() + "\"}";
            log.info("{} waits to be added: POST /cluster/members {} to {} (or any member)", config.nodeId(), request, join);
        }
        stop.await();
        log.info("shutting down: no new connections, leaving the cluster");
        server.stopAccepting();
        server.drain(Main.DRAIN_MILLIS);
        engine.close();
        server.close();
        log.info("stopped");
        stop.stopped();
        return 0;
    }

    private static int fail(String message) {
        System.err.println("kvstore: " + message);
        return Main.START_FAILED;
    }
}
