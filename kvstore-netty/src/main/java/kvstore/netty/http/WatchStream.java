package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import kvstore.core.watch.Watcher;

/**
 * One watch's response body: its {@link Watcher}'s events as HTTP content, pulled by the connection's
 * {@link ChunkedWriteHandler} while the channel is writable (it stops at the high-water mark of the outbound
 * buffer and goes on when {@code channelWritabilityChanged} says the client read). While the channel is not
 * writable, new changes are only counted against the watch buffer ({@link Watcher#hold}); once past it, the
 * stream's last event ({@code event: error}) waits for the client to read up to it, and the connection is closed
 * after it, or one progress interval later if the client never reads it ({@link EventLoopWatches}).
 *
 * <p>Threads: everything on the connection's event loop: {@link EventLoopWatches} calls {@link #changed} there,
 * and the writer calls {@link #readChunk} there.
 */
final class WatchStream implements ChunkedInput<HttpContent> {
    /** Enough events per chunk that a burst goes out in one chunk and one flush, few enough to keep chunks small. */
    static final int CHUNK_BYTES = 16 * 1024;
    private static final int FIRST_CHUNK_BYTES = 4096;

    private final Watcher watcher;
    private final Channel channel;
    private final EventLoopWatches loop;
    /** This stream's place in its loop's list, kept by the loop. */
    int slot = -1;
    private ChunkedWriteHandler writer;
    /** The last event has been handed to the writer. */
    private boolean ended;
    /** When the watcher decided to end the stream, in the loop's nanoseconds; -1 while it has not. */
    private long endingSince = -1;
    private long progress;

    WatchStream(Watcher watcher, Channel channel, EventLoopWatches loop) {
        this.watcher = watcher;
        this.channel = channel;
        this.loop = loop;
    }

    /** New changes arrived, or the loop's timer ticked: send what is due, or count it while the client lags. */
    void changed(long nowNanos) {
        if (ended || !channel.isActive()) {
            return;
        }
        if (channel.isWritable()) {
            if (!watcher.hasNews(nowNanos)) {
                return;
            }
            if (writer == null) {
                writer = channel.pipeline().get(ChunkedWriteHandler.class);
            }
            if (writer != null) {
                writer.resumeTransfer(); // calls readChunk while the channel stays writable
            }
        } else {
            watcher.hold(outboundBytes());
        }
        if (watcher.ending() && endingSince < 0) {
            endingSince = nowNanos;
        }
    }

    /** Whether the stream has waited longer than {@code lingerNanos} for its client to take its last event. */
    boolean lingeredPast(long nowNanos, long lingerNanos) {
        return endingSince >= 0 && nowNanos - endingSince > lingerNanos;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public HttpContent readChunk(ByteBufAllocator allocator) {
        if (ended) {
            return null;
        }
        Chunk chunk = new Chunk(allocator);
        watcher.send(chunk, CHUNK_BYTES);
        ByteBuf bytes = chunk.bytes;
        if (watcher.ended()) {
            ended = true;
            return new DefaultLastHttpContent(bytes == null ? Unpooled.EMPTY_BUFFER : bytes);
        }
        if (bytes == null) {
            return null;
        }
        progress += bytes.readableBytes();
        return new DefaultHttpContent(bytes);
    }

    @Deprecated
    @Override
    public HttpContent readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public boolean isEndOfInput() {
        return ended;
    }

    /** Sent to its end, or dropped with its connection: the loop forgets it. */
    @Override
    public void close() {
        loop.remove(this);
    }

    @Override
    public long length() {
        return -1;
    }

    @Override
    public long progress() {
        return progress;
    }

    /** What the channel holds and has not sent yet. */
    private long outboundBytes() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    /** The events of one chunk, in a buffer taken only when there is something to write. */
    private final class Chunk implements Watcher.Output {
        private final ByteBufAllocator allocator;
        ByteBuf bytes;

        Chunk(ByteBufAllocator allocator) {
            this.allocator = allocator;
        }

        @Override
        public long unsentBytes() {
            return outboundBytes() + (bytes == null ? 0 : bytes.readableBytes());
        }

        @Override
        public void write(byte[] event) {
            if (bytes == null) {
                // Room for a burst of small events at once: growing a pooled buffer copies it each time.
                bytes = allocator.buffer(Math.max(event.length, FIRST_CHUNK_BYTES));
            }
            bytes.writeBytes(event);
        }
    }
}
