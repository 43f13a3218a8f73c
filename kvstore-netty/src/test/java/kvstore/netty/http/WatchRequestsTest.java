package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import kvstore.core.time.NanoClock;
import kvstore.core.watch.WatchHub;
import kvstore.netty.metrics.KvMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /watch} through a connection's pipeline on an embedded channel: the SSE framing, writability, the
 * buffer cut-off, and no buffer left behind. The hub is told of synthetic changes, as a store would tell it.
 */
class WatchRequestsTest {
    private static final long NOW = FakeEngine.NOW;

    private final AtomicLong nanos = new AtomicLong();
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final FakeEngine engine = new FakeEngine();
    private WatchHub hub = hub(1 << 20);
    private EmbeddedChannel channel;
    private Endpoints api;

    private WatchHub hub(long bufferBytes) {
        return new WatchHub(new WatchHub.Settings(100, bufferBytes, 10_000), SseEvents.FORMAT, () -> NOW, nanos::get);
    }

    private void connect() {
        api = Endpoints.of(engine, "always", null, hub);
        channel = new EmbeddedChannel(new ResponseOrder(), new KvHandler(api, new RequestMetrics(new KvMetrics(NanoClock.SYSTEM))));
        channel.config().setAllocator(alloc);
    }

    @AfterEach
    void noBufferLeft() {
        if (channel != null) {
            channel.finishAndReleaseAll();
            channel.runPendingTasks();
            assertEquals(0, api.watches().openStreams(), "a closed stream left its loop");
        }
        assertEquals(0, alloc.metric().usedHeapMemory(), "a buffer was not released");
    }

    private static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER);
    }

    private static Change put(String key, String value, long revision, long version, long deadline) {
        return new Change(Change.Type.PUT, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
                revision, revision - version + 1, version, deadline);
    }

    private static Change gone(Change.Type type, String key, long revision) {
        return new Change(type, key.getBytes(StandardCharsets.UTF_8), null, revision, 0, 0, Entry.NEVER);
    }

    /** Applies a put of {@code key} at the next revision. */
    private void put(String key) {
        long revision = hub.revision() + 1;
        hub.applied(revision, List.of(put(key, "1", revision, 1, Entry.NEVER)));
    }

    private HttpResponse head() {
        Object head = channel.readOutbound();
        assertInstanceOf(HttpResponse.class, head, String.valueOf(head));
        assertFalse(head instanceof FullHttpResponse, "a stream's head comes alone");
        return (HttpResponse) head;
    }

    /** Everything written since, as text; whether it ended with the last chunk. */
    private String body() {
        StringBuilder text = new StringBuilder();
        for (Object m; (m = channel.readOutbound()) != null; ) {
            HttpContent content = (HttpContent) m;
            text.append(content.content().toString(StandardCharsets.UTF_8));
            if (content instanceof LastHttpContent) {
                text.append("<end>");
            }
            ReferenceCountUtil.release(m);
        }
        return text.toString();
    }

    private FullHttpResponse full() {
        FullHttpResponse response = channel.readOutbound();
        assertTrue(response != null, "no response");
        return response;
    }

    private String error(int status) {
        FullHttpResponse response = full();
        try {
            assertEquals(status, response.status().code(), response.content().toString(StandardCharsets.UTF_8));
            return JsonReplies.line(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void shouldStreamEveryChangeFromTheRevisionAskedAsServerSentEvents() {
        connect();
        hub.applied(1, List.of(put("app/a", "{\"n\":1}", 1, 1, NOW + 9_500)));
        hub.applied(2, List.of(put("other", "2", 2, 1, Entry.NEVER)));
        hub.applied(3, List.of(gone(Change.Type.DELETE, "app/a", 3), put("app/\"q\"", "[]", 3, 2, Entry.NEVER)));

        channel.writeInbound(get("/watch?prefix=app%2F&from=1"));

        HttpResponse head = head();
        assertEquals(200, head.status().code());
        assertEquals("text/event-stream", head.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("chunked", head.headers().get(HttpHeaderNames.TRANSFER_ENCODING));
        assertEquals("close", head.headers().get(HttpHeaderNames.CONNECTION), "nothing else is served after a watch");
        assertEquals("""
                id: 1
                event: put
                data: {"type":"put","key":"app/a","value":{"n":1},"revision":1,"create_revision":1,"version":1,"ttl":9.5}

                id: 3
                event: delete
                data: {"type":"delete","key":"app/a","revision":3}

                id: 3
                event: put
                data: {"type":"put","key":"app/\\"q\\"","value":[],"revision":3,"create_revision":2,"version":2}

                """, body());
    }

    @Test
    void shouldSendTheChangesThatComeOnceTheLoopIsWoken() {
        connect();
        put("a");
        channel.writeInbound(get("/watch?key=b"));
        head();
        assertEquals("", body(), "no from: only what comes after the current revision");

        put("b");
        hub.applied(3, List.of(gone(Change.Type.EXPIRE, "b", 3)));
        put("c");
        assertEquals("", body(), "nothing is sent on the applying thread");
        channel.runPendingTasks();

        assertEquals("""
                id: 2
                event: put
                data: {"type":"put","key":"b","value":1,"revision":2,"create_revision":2,"version":1}

                id: 3
                event: expire
                data: {"type":"expire","key":"b","revision":3}

                """, body());
    }

    @Test
    void shouldResumeAfterTheLastEventIdAnEventSourceSendsBack() {
        connect();
        put("a");
        put("b");
        put("c");
        FullHttpRequest request = get("/watch?from=1");
        request.headers().set("Last-Event-ID", "2");

        channel.writeInbound(request);

        head();
        assertTrue(body().startsWith("id: 3\n"), "Last-Event-ID 2 means from 3, whatever from says");
    }

    @Test
    void shouldAnswer410WithTheOldestRevisionTheHistoryHolds() {
        hub = new WatchHub(new WatchHub.Settings(2, 1 << 20, 10_000), SseEvents.FORMAT, () -> NOW, nanos::get);
        connect();
        put("a");
        put("b");
        put("c");

        channel.writeInbound(get("/watch?from=1"));

        assertEquals("{\"error\":\"revision compacted\",\"compact_revision\":2}", error(410));
    }

    @Test
    void shouldAnswer400ToAQueryItCannotRead() {
        for (String uri : List.of("/watch?prefix=a&key=b", "/watch?from=-1", "/watch?from=x", "/watch?key=",
                "/watch?from=99999999999999999999", "/watch?prefix=%ZZ")) {
            connect();
            channel.writeInbound(get(uri));
            assertTrue(error(400).startsWith("{\"error\":"), uri);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void shouldSendProgressAfterTheIntervalWithoutEvents() {
        connect();
        put("a");
        channel.writeInbound(get("/watch?prefix=b"));
        head();
        put("c");
        channel.runPendingTasks();
        assertEquals("", body());

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertEquals("id: 2\nevent: progress\ndata: {\"revision\":2}\n\n", body());
    }

    @Test
    void shouldHoldEventsWhileTheClientDoesNotReadAndEndPastTheBufferWithTheLastRevisionDelivered() {
        hub = hub(300);
        connect();
        channel.writeInbound(get("/watch"));
        head();
        put("a");
        channel.runPendingTasks();
        assertTrue(body().contains("id: 1\n"));

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the client stops reading
        channel.runPendingTasks();
        for (int i = 0; i < 3; i++) {
            put("k" + i);
            channel.runPendingTasks();
        }
        assertEquals("", body(), "held while the channel is not writable");
        assertTrue(channel.isActive(), "three events fit in 300 bytes");
        for (int i = 3; i < 10; i++) {
            put("k" + i);
            channel.runPendingTasks();
        }
        assertEquals("", body(), "past the buffer: the stream is to end, once the client reads");

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();

        assertEquals("event: error\ndata: {\"error\":\"watcher too slow\",\"revision\":1}\n\n<end>", body());
        assertFalse(channel.isOpen(), "the connection closes after the last event");
    }

    @Test
    void shouldCloseACutOffStreamWhoseClientNeverReadsAfterTheLinger() {
        hub = hub(100);
        connect();
        channel.writeInbound(get("/watch"));
        head();
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        channel.runPendingTasks();
        for (int i = 0; i < 5; i++) {
            put("k" + i);
        }
        channel.runPendingTasks();
        assertTrue(channel.isOpen());

        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(hub.settings().progressMillis() - 1));
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "the client has a while to read its last event");

        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(2));
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertFalse(channel.isOpen());
    }

    @Test
    void shouldForgetTheStreamWhenTheClientGoes() {
        connect();
        channel.writeInbound(get("/watch"));
        head();
        assertEquals(1, api.watches().openStreams());

        channel.close();
        channel.runPendingTasks();

        assertEquals(0, api.watches().openStreams());
        put("a"); // no loop to wake
        channel.runPendingTasks();
        assertNull(channel.readOutbound());
    }

    @Test
    void shouldCloseWhenTheClientShutsItsSide() {
        connect();
        channel.writeInbound(get("/watch"));
        head();

        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        channel.runPendingTasks();

        assertFalse(channel.isOpen(), "a watch client that shut its side has gone: the stream would go nowhere");
    }

    @Test
    void shouldEndWhenTheServerStops() {
        connect();
        channel.writeInbound(get("/watch"));
        head();

        channel.pipeline().fireUserEventTriggered(ResponseOrder.DRAIN);
        channel.runPendingTasks();

        assertFalse(channel.isOpen(), "a stop would otherwise wait out its whole drain for a stream that never ends");
    }

    @Test
    void shouldNotRunRequestsPipelinedBehindAWatch() {
        connect();
        channel.writeInbound(get("/watch"), new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/kv/x",
                Unpooled.copiedBuffer("{\"value\":1}", StandardCharsets.UTF_8)));

        head();
        assertTrue(engine.submitted.isEmpty(), "a write after a watch would never be answered: it is not run");
    }

    @Test
    void shouldServeAnHttp10ClientWithoutChunkedCoding() {
        connect();
        put("a");
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/watch?from=1",
                Unpooled.EMPTY_BUFFER));

        HttpResponse head = head();
        assertNull(head.headers().get(HttpHeaderNames.TRANSFER_ENCODING));
        assertNull(head.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertTrue(body().startsWith("id: 1\n"));
    }

    @Test
    void shouldWriteABurstAsOneChunk() {
        connect();
        channel.writeInbound(get("/watch"));
        head();
        for (int i = 0; i < 50; i++) {
            put("k" + i);
        }
        channel.runPendingTasks();

        int chunks = 0;
        for (Object m; (m = channel.readOutbound()) != null; chunks++) {
            ReferenceCountUtil.release(m);
        }
        assertEquals(1, chunks);
    }

    @Test
    void shouldReleaseEventsOfAStreamDroppedBeforeItsTurn() {
        connect();
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/kv/x",
                Unpooled.copiedBuffer("{\"value\":1}", StandardCharsets.UTF_8)));
        channel.writeInbound(get("/watch"));
        put("a");
        channel.runPendingTasks();

        channel.close(); // the write was never answered: the watch's response never went out
        channel.runPendingTasks();

        assertEquals(0, api.watches().openStreams());
    }
}
