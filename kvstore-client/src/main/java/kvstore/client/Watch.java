package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An open watch (from {@link KvClient#watch} or {@link KvClient#watchKey}): a thread of its own reads the
 * server's event stream and hands each change to the {@link WatchListener}, connecting again after a lost
 * connection, a restart or a failover (to the next endpoint when one fails, after a growing pause), resuming with
 * {@code Last-Event-ID} where it left off. {@link #close()} ends it.
 *
 * <p>Threads: the watch's thread owns the connection, the cursor and the backoff; {@link #close()} (any thread)
 * and the client's idle timer only close the current stream, which ends the thread's read.
 */
public final class Watch implements AutoCloseable {
    private final Transport transport;
    private final String selector;
    private final WatchListener listener;
    private final Backoff backoff;
    private final Duration idleTimeout;
    private final ScheduledExecutorService timer;
    private final Consumer<Watch> whenEnded;
    private final Thread thread;
    private final CountDownLatch ended = new CountDownLatch(1);
    /** Set by the watch's thread once it knows the revision to start from. */
    private WatchCursor cursor;
    private final long from;
    private volatile boolean closed;
    private volatile InputStream stream;
    private volatile long lastReadNanos;

    /** {@code whenEnded} is told once the watch's thread has ended. */
    Watch(Transport transport, String selector, long from, WatchListener listener, WatchSettings settings,
          ScheduledExecutorService timer, Consumer<Watch> whenEnded) {
        this.transport = transport;
        this.selector = selector;
        this.from = from;
        this.listener = listener;
        this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff(), Math::random);
        this.idleTimeout = settings.idleTimeout();
        this.timer = timer;
        this.whenEnded = whenEnded;
        this.thread = new Thread(this::run, "kvstore-watch " + selector);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * The revision up to which every change has been delivered: a new watch from this revision + 1 would go on
     * exactly where this one stands.
     */
    public long revision() {
        WatchCursor c = cursor;
        return c == null ? Math.max(0, from - 1) : c.complete();
    }

    /** Whether the watch still runs: not closed, not compacted, not failed. */
    public boolean isOpen() {
        return ended.getCount() > 0;
    }

    /** Waits up to {@code timeout} for the watch to end; true when it has. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops the watch; once this returns (on another thread than the listener's), no listener method is called. */
    @Override
    public void close() {
        closed = true;
        closeStream();
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        ScheduledFuture<?> idleCheck = timer.scheduleWithFixedDelay(this::closeIfIdle,
                idleTimeout.toMillis() / 2, idleTimeout.toMillis() / 2, TimeUnit.MILLISECONDS);
        try {
            while (!closed) {
                KvException cause = connectAndRead();
                if (closed || cause == null) {
                    return;
                }
                listener.onReconnecting(cause);
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(backoff.nextNanos()));
            }
        } catch (InterruptedException e) {
            // closed while pausing
        } catch (KvException e) {
            if (!closed) {
                listener.onFailed(e);
            }
        } catch (RuntimeException e) {
            if (!closed) {
                listener.onFailed(new KvException(Failure.unanswered("the watch listener threw: " + e, e)));
            }
        } finally {
            idleCheck.cancel(false);
            ended.countDown();
            whenEnded.accept(this);
        }
    }

    /** One connection; returns why it ended when the watch should connect again, or null when the watch is over. */
    private KvException connectAndRead() throws InterruptedException {
        if (cursor == null) {
            long start = from > 0 ? from : currentRevision() + 1;
            cursor = new WatchCursor(start);
        }
        int at = transport.endpoints().preferred();
        String base = transport.endpoints().base(at);
        Call call = Call.read("/watch?" + selector);
        try {
            HttpResponse<InputStream> response = transport.open(base, call,
                    Map.of("Accept", "text/event-stream", "Last-Event-ID", Long.toString(cursor.complete())));
            if (response.statusCode() != 200) {
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readAllBytes();
                }
                return refused(call, new HttpReply(base, response.statusCode(), response.headers(), body), at);
            }
            return read(response.body(), base);
        } catch (IOException e) {
            if (Transport.neverSent(e)) {
                transport.endpoints().failed(at);
            }
            return new UnavailableException(Failure.unanswered(base + ": " + Transport.describe(e), e));
        }
    }

    /** The store's revision now, so that the first connection starts at a known place; waits while unreachable. */
    private long currentRevision() throws InterruptedException {
        while (true) {
            try {
                return Pages.revisionNow(transport);
            } catch (UnavailableException e) {
                listener.onReconnecting(e);
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(backoff.nextNanos()));
            }
        }
    }

    private KvException refused(Call call, HttpReply reply, int at) {
        KvException refusal = Failures.of(call, reply);
        if (reply.status() == 503) {
            transport.endpoints().failed(at);
            return refusal;
        }
        closed = true;
        if (reply.status() == 410 && refusal.body() != null) {
            listener.onCompacted(refusal.body().path("compact_revision").asLong());
        } else {
            listener.onFailed(refusal);
        }
        return null;
    }

    /** Reads events until the stream ends; returns why it ended. */
    private KvException read(InputStream body, String base) throws IOException {
        stream = body;
        lastReadNanos = System.nanoTime();
        if (closed) {
            closeStream();
        }
        SseParser parser = new SseParser();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                lastReadNanos = System.nanoTime();
                SseEvent event = parser.line(line);
                if (event != null && !closed) {
                    KvException ended = handle(event, base);
                    if (ended != null) {
                        return ended;
                    }
                }
            }
        }
        return new UnavailableException(Failure.unanswered(base + ": the event stream ended", null));
    }

    /** Delivers one event; returns why the stream ends when it is the server's last word. */
    private KvException handle(SseEvent event, String base) throws IOException {
        AnswerJson data = AnswerJson.parse(event.data().getBytes(StandardCharsets.UTF_8));
        JsonNode json = data.root();
        long revision = json.hasNonNull("revision") ? json.get("revision").asLong()
                : event.id() != null ? Long.parseLong(event.id()) : 0;
        switch (event.type()) {
            case "put", "delete", "expire" -> {
                String key = json.path("key").asText();
                if (cursor.accept(revision, key)) {
                    WatchEvent.Type type = WatchEvent.Type.valueOf(event.type().toUpperCase(Locale.ROOT));
                    KeyValue kv = type == WatchEvent.Type.PUT ? KeyValue.of(json, data, revision) : null;
                    backoff.reset();
                    listener.onEvent(new WatchEvent(type, key, revision, kv));
                }
            }
            case "progress" -> {
                cursor.progress(revision);
                backoff.reset();
                listener.onProgress(revision);
            }
            case "error" -> {
                return new UnavailableException(Failure.unanswered(base + ": the server ended the watch: "
                        + json.path("error").asText(event.data()), null));
            }
            default -> {
                // an event type this client does not know: a newer server's addition, skipped
            }
        }
        return null;
    }

    private void closeIfIdle() {
        if (stream != null && System.nanoTime() - lastReadNanos > idleTimeout.toNanos()) {
            closeStream();
        }
    }

    private void closeStream() {
        InputStream s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all that was wanted
            }
        }
    }
}
