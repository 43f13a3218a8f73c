package kvstore.netty.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import kvstore.core.Backup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * A {@link Backup}'s file as HTTP chunks, read a chunk at a time as the socket takes them (never whole in
 * memory), and the file deleted once the stream is closed: sent, or dropped with its connection.
 *
 * <p>Threading: opened on the engine's thread that finished the backup; then owned by the connection's
 * event loop, where {@link io.netty.handler.stream.ChunkedWriteHandler} reads and closes it.
 */
final class BackupStream implements ChunkedInput<HttpContent> {
    private static final int CHUNK_BYTES = 64 * 1024;

    private final Backup backup;
    private final HttpChunkedInput chunks;

    private BackupStream(Backup backup, HttpChunkedInput chunks) {
        this.backup = backup;
        this.chunks = chunks;
    }

    /** Opens {@code backup}'s file; on failure the backup is deleted. */
    static BackupStream open(Backup backup) throws IOException {
        try {
            FileChannel file = FileChannel.open(backup.file(), StandardOpenOption.READ);
            return new BackupStream(backup, new HttpChunkedInput(new ChunkedNioFile(file, CHUNK_BYTES)));
        } catch (IOException | RuntimeException e) {
            backup.close();
            throw e;
        }
    }

    @Override
    public boolean isEndOfInput() throws Exception {
        return chunks.isEndOfInput();
    }

    @Override
    public void close() throws Exception {
        try {
            chunks.close();
        } finally {
            backup.close();
        }
    }

    @Deprecated
    @Override
    public HttpContent readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public HttpContent readChunk(ByteBufAllocator allocator) throws Exception {
        return chunks.readChunk(allocator);
    }

    @Override
    public long length() {
        return chunks.length();
    }

    @Override
    public long progress() {
        return chunks.progress();
    }
}
