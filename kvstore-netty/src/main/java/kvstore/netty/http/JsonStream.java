package kvstore.netty.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * A large {@link JsonList} as HTTP content in chunks, each written when the {@link ChunkedWriteHandler} asks for
 * it, which it does only while the socket takes what was sent: a connection holds at most its write buffer and one
 * chunk of the answer, however large the whole, and a client that stops reading stops the encoding. A chunk is the
 * next parts of the list up to {@link #CHUNK_BYTES} or just past it: one item is never split, so a chunk is at
 * most that plus one item (a value is at most the request body limit). The answer ends with a newline, as every
 * JSON answer does. It holds no buffer between chunks: nothing to free when dropped. Event loop only.
 */
final class JsonStream implements ChunkedInput<HttpContent> {
    /** A {@link JsonList} estimated larger than this is streamed rather than built whole. */
    static final long STREAM_ABOVE = 1 << 20;
    static final int CHUNK_BYTES = 64 * 1024;

    private final JsonList list;
    private int nextPart;
    private long progress;

    JsonStream(JsonList list) {
        this.list = list;
    }

    @Override
    public boolean isEndOfInput() {
        return nextPart == list.parts();
    }

    @Override
    public void close() {
        nextPart = list.parts();
    }

    @Deprecated
    @Override
    public HttpContent readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public HttpContent readChunk(ByteBufAllocator allocator) {
        if (isEndOfInput()) {
            return null;
        }
        JsonBody json = new JsonBody(allocator, CHUNK_BYTES + 1024);
        try {
            while (nextPart < list.parts() && json.done().readableBytes() < CHUNK_BYTES) {
                list.write(json, nextPart++);
            }
            boolean last = isEndOfInput();
            if (last) {
                json.raw("\n");
            }
            progress += json.done().readableBytes();
            return last ? new DefaultLastHttpContent(json.done()) : new DefaultHttpContent(json.done());
        } catch (RuntimeException e) {
            json.done().release();
            throw e;
        }
    }

    /** Unknown until the last chunk: HTTP/1.0 gets the answer without a length, up to the close. */
    @Override
    public long length() {
        return -1;
    }

    @Override
    public long progress() {
        return progress;
    }
}
