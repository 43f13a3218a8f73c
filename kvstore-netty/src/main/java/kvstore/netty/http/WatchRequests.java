package kvstore.netty.http;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import kvstore.core.watch.RevisionCompactedException;
import kvstore.core.watch.WatchHub;
import kvstore.core.watch.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /watch}: opens a {@link Watcher} on the hub and streams it as Server-Sent Events, served by the
 * {@link EventLoopWatches} of the connection's loop. A {@code from} older than the history gets {@code 410}. The
 * stream holds its connection ({@link Route.Trait#STREAM}): the idle timeout no longer applies to it, and the
 * request timeout never did (it times only requests being received).
 *
 * <p>Threads: shared by every event loop; each loop's streams are kept apart ({@code loops}).
 */
final class WatchRequests {
    private static final Logger log = LoggerFactory.getLogger(WatchRequests.class);
    /** What a reconnecting {@code EventSource} sends: the id of the last event it received. */
    private static final AsciiString LAST_EVENT_ID = AsciiString.cached("last-event-id");

    private final WatchHub hub;
    private final Map<EventLoop, EventLoopWatches> loops = new ConcurrentHashMap<>();

    WatchRequests(WatchHub hub) {
        this.hub = hub;
    }

    /** Opens the watch {@code query} asks for, or answers why not. */
    void open(Exchange ex, WatchQuery query) {
        Watcher watcher;
        try {
            watcher = hub.watch(query.keys(), query.from());
        } catch (RevisionCompactedException e) {
            ex.send(HttpResponseStatus.GONE, Replies.compacted(ex.alloc(), e.compactRevision()), null);
            return;
        }
        Channel channel = ex.ctx().channel();
        EventLoopWatches loop = loops.computeIfAbsent(channel.eventLoop(), l -> new EventLoopWatches(hub, l));
        WatchStream stream = new WatchStream(watcher, channel, loop);
        loop.add(stream);
        IdleStateHandler idle = channel.pipeline().get(IdleStateHandler.class);
        if (idle != null) {
            channel.pipeline().remove(idle);
        }
        try {
            ex.stream(SseEvents.CONTENT_TYPE, stream);
        } catch (Exception e) {
            log.debug("could not start a watch stream", e);
            stream.close();
            ex.ctx().close();
        }
    }

    /** The {@code Last-Event-ID} header of the request, or null. */
    static String lastEventId(Exchange ex) {
        return ex.request().headers().get(LAST_EVENT_ID);
    }

    /** How many streams are open, on every loop. */
    int openStreams() {
        return loops.values().stream().mapToInt(EventLoopWatches::size).sum();
    }
}
