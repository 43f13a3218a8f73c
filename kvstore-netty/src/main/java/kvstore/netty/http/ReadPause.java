package kvstore.netty.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The reasons a connection has stopped reading. Each handler that bounds memory pauses and resumes for its
 * own reason; the connection reads again only when none holds, so one cannot undo another's pause.
 * Use on the channel's event loop.
 */
final class ReadPause {
    enum Reason {
        /** Too many requests of the connection wait for their responses. */
        PIPELINE_FULL,
        /** The client does not read its responses: the outbound buffer is over its high-water mark. */
        CLIENT_NOT_READING,
        /** The request bodies being received on all connections have used up their budget. */
        BODY_BUDGET,
        /** The connection closes after the responses it owes: nothing more is read. */
        CLOSING
    }

    private static final AttributeKey<ReadPause> KEY = AttributeKey.valueOf(ReadPause.class, "readPause");

    private int reasons;

    private ReadPause() {
    }

    static void pause(Channel channel, Reason reason) {
        ReadPause p = of(channel);
        p.reasons |= 1 << reason.ordinal();
        channel.config().setAutoRead(false);
    }

    static void resume(Channel channel, Reason reason) {
        ReadPause p = of(channel);
        p.reasons &= ~(1 << reason.ordinal());
        if (p.reasons == 0 && !channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }

    static boolean isPaused(Channel channel, Reason reason) {
        return (of(channel).reasons & (1 << reason.ordinal())) != 0;
    }

    private static ReadPause of(Channel channel) {
        ReadPause p = channel.attr(KEY).get();
        if (p == null) {
            p = new ReadPause();
            channel.attr(KEY).set(p);
        }
        return p;
    }
}
