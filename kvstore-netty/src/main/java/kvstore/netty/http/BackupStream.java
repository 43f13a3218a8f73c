package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import kvstore.core.Backup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Backup}'s file as HTTP content in parts (chunked coding for HTTP/1.1, none for HTTP/1.0: see
 * {@link Exchange#stream}), never whole in memory and never read on the event loop: a reader
 * thread of its own reads a few chunks ahead and wakes the {@link ChunkedWriteHandler} as each is ready; the
 * handler takes them as the socket drains ({@link #readChunk} answers null while the next is not read yet).
 * Closing it (sent, or dropped with its connection) stops the reader and deletes the file.
 *
 * <p>Threading: {@link #open} on the engine's thread that finished the backup; the reader thread
 * ({@code kvstore-backup-reader}) owns the file channel; everything else belongs to the connection's event loop.
 * They meet in {@code ready}, and through the volatile {@code closed} and {@code failure}.
 */
final class BackupStream implements ChunkedInput<HttpContent> {
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int READ_AHEAD = 4;
    /** Put in {@code ready} after the last chunk. */
    private static final ByteBuf END = Unpooled.EMPTY_BUFFER;

    private final Backup backup;
    private final FileChannel file;
    private final long length;
    private final BlockingQueue<ByteBuf> ready = new ArrayBlockingQueue<>(READ_AHEAD + 1);
    private volatile boolean closed;
    private volatile IOException failure;
    /** Event loop only. */
    private long progress;
    private boolean ended;

    private BackupStream(Backup backup, FileChannel file, long length) {
        this.backup = backup;
        this.file = file;
        this.length = length;
    }

    /** Opens {@code backup}'s file; on failure the backup is deleted. */
    static BackupStream open(Backup backup) throws IOException {
        try {
            FileChannel file = FileChannel.open(backup.file(), StandardOpenOption.READ);
            return new BackupStream(backup, file, backup.bytes());
        } catch (IOException | RuntimeException e) {
            backup.close();
            throw e;
        }
    }

    /** Starts reading ahead for {@code channel}; call once, before the stream is written. */
    void start(Channel channel) {
        Thread reader = new Thread(() -> read(channel), "kvstore-backup-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(Channel channel) {
        try (file) {
            for (long at = 0; at < length && !closed; ) {
                ByteBuf chunk = channel.alloc().buffer((int) Math.min(CHUNK_BYTES, length - at));
                try {
                    int n = chunk.writeBytes(file, at, chunk.writableBytes());
                    if (n < 0) {
                        throw new IOException(backup.file() + " ended early, at byte " + at);
                    }
                    at += n;
                } catch (IOException | RuntimeException e) {
                    chunk.release();
                    throw e;
                }
                hand(channel, chunk);
            }
            hand(channel, END);
        } catch (IOException e) {
            failure = e;
            wake(channel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Queues {@code chunk} once there is room (or drops it once closed) and wakes the writer. */
    private void hand(Channel channel, ByteBuf chunk) throws InterruptedException {
        while (!ready.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            if (closed) {
                chunk.release();
                return;
            }
        }
        if (closed) {
            releaseReady();
        }
        wake(channel);
    }

    private static void wake(Channel channel) {
        ChunkedWriteHandler writer = channel.pipeline().get(ChunkedWriteHandler.class);
        if (writer != null) {
            writer.resumeTransfer();
        }
    }

    @Override
    public boolean isEndOfInput() {
        // A failed read is reported by readChunk, which the writer calls next.
        return ended;
    }

    @Override
    public void close() throws Exception {
        closed = true;
        releaseReady();
        backup.close();
    }

    @Deprecated
    @Override
    public HttpContent readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public HttpContent readChunk(ByteBufAllocator allocator) throws Exception {
        if (failure != null) {
            throw failure;
        }
        ByteBuf chunk = ready.poll();
        if (chunk == null) {
            return null;
        }
        if (chunk == END) {
            ended = true;
            return LastHttpContent.EMPTY_LAST_CONTENT;
        }
        progress += chunk.readableBytes();
        return new DefaultHttpContent(chunk);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return progress;
    }

    private void releaseReady() {
        for (ByteBuf chunk; (chunk = ready.poll()) != null; ) {
            chunk.release();
        }
    }
}
