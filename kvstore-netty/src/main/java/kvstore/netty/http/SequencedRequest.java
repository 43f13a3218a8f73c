package kvstore.netty.http;

import io.netty.handler.codec.http.FullHttpRequest;

/** A request numbered in the order it arrived on its connection, so its response can be sent in that order. */
public record SequencedRequest(int sequence, FullHttpRequest request) {
}
