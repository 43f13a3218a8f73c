package kvstore.netty.http;

import io.netty.channel.ChannelHandlerContext;

import java.util.ArrayDeque;

/**
 * Runs the requests of one connection so that they take effect in the order they were sent. Consecutive
 * writes go to the engine at once (it keeps their order), but any other request that follows a write still
 * in flight waits for it, so a pipelined {@code PUT} then {@code GET} reads its own write. After the request
 * that closes the connection, later ones are never run, as HTTP asks.
 *
 * <p>One per connection, owned by its event loop: {@link #writeFinished} is called there, from the task a
 * write's completion hands over.
 */
final class RequestOrder {
    /** Runs one request: answers it, or hands it to the engine and calls {@link #writeStarted}. */
    @FunctionalInterface
    interface Runner {
        void run(Exchange request);
    }

    private final Runner runner;
    private final RequestMetrics metrics;
    private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
    private int writesInFlight;
    /** A request after which the connection closes was read. */
    private boolean lastRequestRead;

    RequestOrder(Runner runner, RequestMetrics metrics) {
        this.runner = runner;
        this.metrics = metrics;
    }

    /** Routes {@code arrived} and runs it now, or keeps it until the writes before it have finished. */
    void arrived(ChannelHandlerContext ctx, SequencedRequest arrived) {
        if (lastRequestRead) {
            arrived.request().release();
            return;
        }
        Exchange request = Exchange.of(ctx, arrived, metrics);
        lastRequestRead = !request.keepAlive();
        if (waiting.isEmpty() && (writesInFlight == 0 || request.write())) {
            runner.run(request);
        } else {
            waiting.add(request);
        }
    }

    /** A write was handed to the engine; it is in flight until {@link #writeFinished}. */
    void writeStarted() {
        writesInFlight++;
    }

    /** A write has been answered: runs the requests that waited for it, up to the next read behind a write. */
    void writeFinished() {
        writesInFlight--;
        while (!waiting.isEmpty() && (writesInFlight == 0 || waiting.peek().write())) {
            runner.run(waiting.poll());
        }
    }

    /** The connection is closed: the requests still waiting are dropped. */
    void dropWaiting() {
        Exchange r;
        while ((r = waiting.poll()) != null) {
            r.request().release();
        }
    }
}
