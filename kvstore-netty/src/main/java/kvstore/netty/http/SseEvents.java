package kvstore.netty.http;

import kvstore.core.json.JsonStrings;
import kvstore.core.store.Change;
import kvstore.core.store.Entry;
import kvstore.core.watch.EventFormat;
import kvstore.core.watch.WatchEnd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A watch's events as Server-Sent Events, as a browser's {@code EventSource} reads them: {@code id:} (the
 * revision, so a reconnecting client sends it back as {@code Last-Event-ID}), {@code event:} and one {@code data:}
 * line of compact JSON (stored values are compact JSON, so they hold no line break), then a blank line.
 *
 * <pre>
 * id: 7
 * event: put
 * data: {"type":"put","key":"k","value":1,"revision":7,"create_revision":5,"version":3,"ttl":9.5}
 *
 * event: error
 * data: {"error":"watcher too slow","revision":7}
 * </pre>
 */
public final class SseEvents implements EventFormat {
    /** The media type of a watch stream. */
    static final String CONTENT_TYPE = "text/event-stream";
    /** The error of a watcher cut off for holding too much unsent. */
    static final String TOO_SLOW = "watcher too slow";
    /** The error of a watch asked to start before the history, and of one whose member loaded a snapshot. */
    static final String COMPACTED = "revision compacted";

    /** The one format: each change is encoded once, for every watcher. */
    public static final SseEvents FORMAT = new SseEvents();

    private SseEvents() {
    }

    @Override
    public byte[] change(Change change, long nowMillis) {
        String type = change.type().name().toLowerCase(Locale.ROOT);
        Event event = new Event(change.revision(), type).raw("{\"type\":\"").raw(type).raw("\",\"key\":")
                .bytes(JsonStrings.quote(change.key()));
        if (change.type() == Change.Type.PUT) {
            event.raw(",\"value\":").bytes(change.value())
                    .raw(",\"revision\":").raw(Long.toString(change.revision()))
                    .raw(",\"create_revision\":").raw(Long.toString(change.createRevision()))
                    .raw(",\"version\":").raw(Long.toString(change.version()));
            if (change.deadlineMillis() != Entry.NEVER) {
                event.raw(",\"ttl\":").raw(seconds(Math.max(0, change.deadlineMillis() - nowMillis)));
            }
        } else {
            event.raw(",\"revision\":").raw(Long.toString(change.revision()));
        }
        return event.raw("}").done();
    }

    @Override
    public byte[] progress(long revision) {
        return new Event(revision, "progress").raw("{\"revision\":").raw(Long.toString(revision)).raw("}").done();
    }

    @Override
    public byte[] end(WatchEnd why, long delivered) {
        String error = why == WatchEnd.TOO_SLOW ? TOO_SLOW : COMPACTED;
        return new Event(-1, "error").raw("{\"error\":\"").raw(error).raw("\",\"revision\":")
                .raw(Long.toString(delivered)).raw("}").done();
    }

    /** {@code millis} as seconds, to the millisecond, without trailing zeros: {@code 1.5}, {@code 2}, {@code 0.001}. */
    static String seconds(long millis) {
        String whole = Long.toString(millis / 1000);
        int fraction = (int) (millis % 1000);
        if (fraction == 0) {
            return whole;
        }
        String digits = String.format(Locale.ROOT, "%03d", fraction);
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        return whole + "." + digits.substring(0, end);
    }

    /** One event being written: its head lines, then its data line. */
    private static final class Event {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

        Event(long id, String name) {
            if (id >= 0) {
                raw("id: ").raw(Long.toString(id)).raw("\n");
            }
            raw("event: ").raw(name).raw("\ndata: ");
        }

        Event raw(String ascii) {
            out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Event bytes(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] done() {
            return raw("\n\n").out.toByteArray();
        }
    }
}
