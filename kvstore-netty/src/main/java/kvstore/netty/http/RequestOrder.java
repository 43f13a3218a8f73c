package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;

import java.util.ArrayDeque;

/**
 * Runs the requests of one connection so that they take effect in the order they were sent. Consecutive
 * writes go to the engine at once (it keeps their order), but any other request that follows a write still
 * in flight waits for it, so a pipelined {@code PUT} then {@code GET} reads its own write. After the request
 * that closes the connection, later ones are never run, as HTTP asks.
 *
 * <p>It also bounds what the connection holds in answers not yet sent: no request starts while the channel is
 * not writable (its responses waiting to be sent are over the write buffer's high-water mark), and no write
 * joins the writes in flight once their bodies reach {@link #WRITE_BYTES_IN_FLIGHT} (a write's answer echoes
 * its value, so its body stands for the response it will build). A client that does not read its responses
 * therefore holds at most about one response beyond those limits, however many requests it pipelined; the
 * requests wait here, and reading pauses while their bodies pass {@link #WAITING_BODY_BYTES}.
 *
 * <p>One per connection, owned by its event loop: {@link #writeFinished} is called there, from the task a
 * write's completion hands over, and {@link #runWaiting} when the channel becomes writable again.
 */
final class RequestOrder {
    /** The bodies of a connection's writes in flight past which the next write waits for them. */
    static final int WRITE_BYTES_IN_FLIGHT = 64 * 1024;
    /** The bodies of the requests waiting here past which reading pauses; it goes on at half. */
    static final int WAITING_BODY_BYTES = 64 * 1024;

    /** Runs one request: answers it, or hands it to the engine and calls {@link #writeStarted}. */
    @FunctionalInterface
    interface Runner {
        void run(Exchange request);
    }

    private final ChannelHandlerContext ctx;
    private final Runner runner;
    private final RequestMetrics metrics;
    private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
    private long waitingBodyBytes;
    private boolean readingPaused;
    private int writesInFlight;
    private long writeBytesInFlight;
    /** The body size of the request being run, charged to the writes in flight if it starts one. */
    private int runningBodyBytes;
    /** A request after which the connection closes was read. */
    private boolean lastRequestRead;

    RequestOrder(ChannelHandlerContext ctx, Runner runner, RequestMetrics metrics) {
        this.ctx = ctx;
        this.runner = runner;
        this.metrics = metrics;
    }

    /** Routes {@code arrived} and runs it now, or keeps it until it may run. */
    void arrived(SequencedRequest arrived) {
        if (lastRequestRead) {
            arrived.request().release();
            return;
        }
        Exchange request = Exchange.of(ctx, arrived, metrics);
        lastRequestRead = !request.keepAlive();
        if (waiting.isEmpty() && mayRun(request)) {
            run(request);
            return;
        }
        waiting.add(request);
        waitingBodyBytes += bodyBytes(request);
        if (!readingPaused && waitingBodyBytes > WAITING_BODY_BYTES) {
            readingPaused = true;
            ReadPauseHandler.pause(ctx.channel(), ReadPauseHandler.Reason.REQUESTS_WAITING);
        }
    }

    /**
     * Whether {@code next} may start now: the client has read enough of the answers so far, and it is a read
     * with no write before it in flight, or a write that joins writes in flight still within their bound.
     */
    private boolean mayRun(Exchange next) {
        if (!ctx.channel().isWritable()) {
            return false;
        }
        return writesInFlight == 0 || next.write() && writeBytesInFlight < WRITE_BYTES_IN_FLIGHT;
    }

    private void run(Exchange request) {
        runningBodyBytes = bodyBytes(request);
        runner.run(request);
        runningBodyBytes = 0;
    }

    private static int bodyBytes(Exchange request) {
        return request.request().content().readableBytes();
    }

    /**
     * The request being run was handed to the engine; it is in flight until {@link #writeFinished} is called
     * with what this returns.
     */
    long writeStarted() {
        writesInFlight++;
        writeBytesInFlight += runningBodyBytes;
        return runningBodyBytes;
    }

    /** A write has been answered: runs the requests that waited for it, up to the next that must wait. */
    void writeFinished(long started) {
        writesInFlight--;
        writeBytesInFlight -= started;
        runWaiting();
    }

    /** Runs the waiting requests that may run now (after a write finished, or once the channel is writable). */
    void runWaiting() {
        while (!waiting.isEmpty() && mayRun(waiting.peek())) {
            Exchange next = waiting.poll();
            waitingBodyBytes -= bodyBytes(next);
            run(next);
        }
        if (readingPaused && waitingBodyBytes <= WAITING_BODY_BYTES / 2) {
            readingPaused = false;
            ReadPauseHandler.resume(ctx.channel(), ReadPauseHandler.Reason.REQUESTS_WAITING);
        }
    }

    /** The connection is closed: the requests still waiting are dropped. */
    void dropWaiting() {
        Exchange r;
        while ((r = waiting.poll()) != null) {
            r.request().release();
        }
        waitingBodyBytes = 0;
    }
}
