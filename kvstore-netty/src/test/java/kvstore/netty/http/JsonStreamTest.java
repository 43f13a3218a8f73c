package kvstore.netty.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonStreamTest {
    private final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false, false, false);

    /** A list of {@code n} items of {@code itemBytes} bytes each, between brackets. */
    private static JsonList list(int n, int itemBytes) {
        String item = "\"" + "x".repeat(itemBytes - 2) + "\"";
        return new JsonList(n, json -> json.raw("["), (json, i) -> json.raw(item), json -> json.raw("]"),
                2L + (long) n * (itemBytes + 1));
    }

    private static String whole(JsonList list, ByteBufAllocator alloc) {
        JsonBody json = list.whole(alloc);
        try {
            return json.done().toString(StandardCharsets.UTF_8);
        } finally {
            json.done().release();
        }
    }

    @Test
    void shouldSendTheWholeAnswerInChunksOfAboutTheChunkSizeAndEndWithANewline() {
        JsonList list = list(1_000, 1_000);
        JsonStream stream = new JsonStream(list);
        StringBuilder sent = new StringBuilder();
        List<Integer> sizes = new ArrayList<>();
        boolean last = false;
        while (!stream.isEndOfInput()) {
            HttpContent chunk = stream.readChunk(alloc);
            try {
                sizes.add(chunk.content().readableBytes());
                sent.append(chunk.content().toString(StandardCharsets.UTF_8));
                last = chunk instanceof LastHttpContent;
            } finally {
                chunk.release();
            }
        }
        assertTrue(last, "the last chunk ends the content");
        assertEquals(whole(list, alloc) + "\n", sent.toString());
        assertEquals(sent.length(), stream.progress());
        assertTrue(sizes.size() > 10, "in chunks: " + sizes);
        for (int size : sizes) {
            assertTrue(size <= JsonStream.CHUNK_BYTES + 1_001 + 1, "a chunk is at most one item past the chunk size: " + size);
        }
        assertNull(stream.readChunk(alloc));
        assertEquals(-1, stream.length(), "unknown: HTTP/1.0 reads up to the close");
    }

    @Test
    void shouldNeverSplitAnItemLargerThanAChunk() {
        JsonStream stream = new JsonStream(list(3, 3 * JsonStream.CHUNK_BYTES));
        List<Integer> sizes = new ArrayList<>();
        while (!stream.isEndOfInput()) {
            HttpContent chunk = stream.readChunk(alloc);
            sizes.add(chunk.content().readableBytes());
            chunk.release();
        }
        int item = 1 + 3 * JsonStream.CHUNK_BYTES; // with the bracket or comma before it
        assertEquals(List.of(item, item, item, 2), sizes, "the closing bracket and the newline last");
    }

    @Test
    void shouldSendNothingMoreOnceClosed() throws Exception {
        JsonStream stream = new JsonStream(list(1_000, 1_000));
        stream.readChunk(alloc).release();
        stream.close();
        assertTrue(stream.isEndOfInput());
        assertNull(stream.readChunk(alloc));
        assertTrue(stream.progress() > 0);
    }
}
