package kvstore.netty.http;

import io.netty.handler.codec.http.FullHttpResponse;

/** The response to the request numbered {@code sequence}; {@code close} closes the connection after it. */
public record SequencedResponse(int sequence, FullHttpResponse response, boolean close) {
}
