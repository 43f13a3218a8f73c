package kvstore.netty.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * Full HTTP responses around the JSON bodies of {@link Replies}. Headers are a short flat list, built once:
 * a hashed header map and an empty trailer map per response were a large part of the garbage per request.
 */
final class Responses {
    /** The revision an answer of {@code /kv} reflects (see {@link #full}). */
    static final String REVISION_HEADER = "X-Kvstore-Revision";
    /** Says that {@link #full} sends no revision, or no entity tag. */
    static final long NONE = -1;

    private Responses() {
    }

    /**
     * A response with {@code body}; {@code allow} (or null) becomes the {@code Allow} header of a 405.
     * The {@code Connection} header says whether the connection stays open, as HTTP/1.0 and 1.1 need.
     */
    static FullHttpResponse json(HttpVersion version, HttpResponseStatus status, ByteBuf body, boolean keepAlive,
                                 CharSequence allow) {
        return full(version, status, HttpHeaderValues.APPLICATION_JSON, body, keepAlive, allow);
    }

    /** As {@link #json}, with a body of {@code contentType}. */
    static FullHttpResponse full(HttpVersion version, HttpResponseStatus status, CharSequence contentType,
                                 ByteBuf body, boolean keepAlive, CharSequence allow) {
        return full(version, status, contentType, body, keepAlive, allow, NONE, NONE);
    }

    /**
     * As {@link #json}, with a body of {@code contentType}, the {@code X-Kvstore-Revision} header when
     * {@code revision} is not {@link #NONE} and {@code ETag: "<etag>"} when {@code etag} is not.
     */
    static FullHttpResponse full(HttpVersion version, HttpResponseStatus status, CharSequence contentType,
                                 ByteBuf body, boolean keepAlive, CharSequence allow, long revision, long etag) {
        endJson(contentType, body);
        List<CharSequence> headers = new ArrayList<>(12);
        if (status.code() != HttpResponseStatus.NO_CONTENT.code()) { // a 204 may carry neither (RFC 9110)
            headers.add(HttpHeaderNames.CONTENT_TYPE);
            headers.add(contentType);
            headers.add(HttpHeaderNames.CONTENT_LENGTH);
            headers.add(Integer.toString(body.readableBytes()));
        }
        connection(headers, version, keepAlive);
        if (allow != null) {
            headers.add(HttpHeaderNames.ALLOW);
            headers.add(allow);
        }
        revision(headers, revision);
        if (etag != NONE) {
            headers.add(HttpHeaderNames.ETAG);
            headers.add("\"" + etag + "\"");
        }
        return new DefaultFullHttpResponse(version, status, body, headers(status, headers), EmptyHttpHeaders.INSTANCE);
    }

    /**
     * {@code namesAndValues} as the headers of a response with {@code status}: read-only, built once, except for
     * a {@code 204}, whose {@code Content-Length} and {@code Transfer-Encoding} Netty's encoder removes (present or
     * not): read-only headers made it throw, and the connection closed with no answer at all.
     */
    private static HttpHeaders headers(HttpResponseStatus status, List<CharSequence> namesAndValues) {
        if (status.code() != HttpResponseStatus.NO_CONTENT.code()) {
            return new ReadOnlyHttpHeaders(false, namesAndValues.toArray(new CharSequence[0]));
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.size(); i += 2) {
            headers.add(namesAndValues.get(i), namesAndValues.get(i + 1));
        }
        return headers;
    }

    /**
     * A response with {@code body} of {@code contentType} and the headers {@code namesAndValues} (a name, its
     * value, the next name...); the body's type and length are added, but to a {@code 304}, which has no body
     * of its own.
     */
    static FullHttpResponse withHeaders(HttpVersion version, HttpResponseStatus status, CharSequence contentType,
                                        ByteBuf body, boolean keepAlive, CharSequence... namesAndValues) {
        endJson(contentType, body);
        List<CharSequence> headers = new ArrayList<>(namesAndValues.length + 6);
        headers.add(HttpHeaderNames.CONTENT_TYPE);
        headers.add(contentType);
        headers.addAll(List.of(namesAndValues));
        if (status.code() != HttpResponseStatus.NOT_MODIFIED.code()) {
            headers.add(HttpHeaderNames.CONTENT_LENGTH);
            headers.add(Integer.toString(body.readableBytes()));
        }
        connection(headers, version, keepAlive);
        return new DefaultFullHttpResponse(version, status, body, headers(status, headers), EmptyHttpHeaders.INSTANCE);
    }

    /**
     * The head of a {@code 200} whose body of {@code contentType} follows in chunks of unknown total length, with
     * the {@code X-Kvstore-Revision} header when {@code revision} is not {@link #NONE}.
     */
    static HttpResponse chunked(HttpVersion version, CharSequence contentType, boolean keepAlive, long revision) {
        List<CharSequence> headers = new ArrayList<>(8);
        headers.add(HttpHeaderNames.CONTENT_TYPE);
        headers.add(contentType);
        headers.add(HttpHeaderNames.TRANSFER_ENCODING);
        headers.add(HttpHeaderValues.CHUNKED);
        connection(headers, version, keepAlive);
        revision(headers, revision);
        return new DefaultHttpResponse(version, HttpResponseStatus.OK, headers(HttpResponseStatus.OK, headers));
    }

    /**
     * The head of a {@code 200} whose body of {@code contentType} follows in parts with no transfer coding, and
     * after which the connection closes: {@code length} bytes, or all until the close when the length is unknown
     * (negative); with the {@code X-Kvstore-Revision} header when {@code revision} is not {@link #NONE}.
     */
    static HttpResponse plain(HttpVersion version, CharSequence contentType, long length, long revision) {
        List<CharSequence> headers = new ArrayList<>(8);
        headers.add(HttpHeaderNames.CONTENT_TYPE);
        headers.add(contentType);
        if (length >= 0) {
            headers.add(HttpHeaderNames.CONTENT_LENGTH);
            headers.add(Long.toString(length));
        }
        connection(headers, version, false);
        revision(headers, revision);
        return new DefaultHttpResponse(version, HttpResponseStatus.OK, headers(HttpResponseStatus.OK, headers));
    }

    /**
     * Ends a JSON body with a newline, so that curl's output does not run into the prompt: every JSON answer
     * passes here (the {@code Content-Length} counts it).
     */
    private static void endJson(CharSequence contentType, ByteBuf body) {
        if (HttpHeaderValues.APPLICATION_JSON.contentEquals(contentType) && body.isReadable()) {
            body.writeByte('\n');
        }
    }

    private static void revision(List<CharSequence> headers, long revision) {
        if (revision != NONE) {
            headers.add(REVISION_HEADER);
            headers.add(Long.toString(revision));
        }
    }

    private static void connection(List<CharSequence> headers, HttpVersion version, boolean keepAlive) {
        if (!keepAlive) {
            headers.add(HttpHeaderNames.CONNECTION);
            headers.add(HttpHeaderValues.CLOSE);
        } else if (!version.isKeepAliveDefault()) {
            headers.add(HttpHeaderNames.CONNECTION);
            headers.add(HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
