package kvstore.netty.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.stream.ChunkedInput;

/**
 * The response to the request numbered {@code sequence}; {@code close} closes the connection after it. A
 * streamed response is its head and a {@code stream} of chunks (a {@link io.netty.handler.stream.ChunkedWriteHandler}
 * writes them as the socket takes them); any other is a {@link FullHttpResponse} with no stream.
 */
public record SequencedResponse(int sequence, HttpResponse response, ChunkedInput<HttpContent> stream,
                                boolean close) {
    public SequencedResponse(int sequence, FullHttpResponse response, boolean close) {
        this(sequence, response, null, close);
    }
}
