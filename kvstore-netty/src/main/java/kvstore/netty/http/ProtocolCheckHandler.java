package kvstore.netty.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.util.List;

/**
 * Refuses what HTTP/1.x framing cannot be trusted with, before any body is read: versions other than 1.0
 * and 1.1 ({@code 505}), transfer codings other than {@code chunked} ({@code 501}), HTTP/1.1 without
 * {@code Host} or any request with more than one ({@code 400}, as RFC 9112 asks: two would let the Host
 * check and a proxy read different ones), and expectations other than {@code 100-continue} ({@code 417}) or
 * a {@code 100-continue} whose {@code Content-Length} is over the limit ({@code 413}). Each closes the
 * connection. A {@code 100-continue} within the limit goes on to {@link BodyLimit}, which answers it.
 *
 * <p>A request target with a raw {@code #} gets {@code 400} too (the connection stays open): a fragment is
 * never part of a request, and reading up to it would silently shorten a key.
 */
final class ProtocolCheckHandler extends RequestGateHandler {
    private final int maxBody;

    ProtocolCheckHandler(int maxBody) {
        this.maxBody = maxBody;
    }

    @Override
    Refusal check(HttpRequest head) {
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return new Refusal(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    version.text() + " is not supported (use HTTP/1.1 or HTTP/1.0)", true);
        }
        HttpHeaders headers = head.headers();
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (!(codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked"))) {
                return new Refusal(HttpResponseStatus.NOT_IMPLEMENTED,
                        "transfer coding '" + String.join(", ", codings) + "' is not supported (only chunked)", true);
            }
        }
        boolean http11 = version.minorVersion() == 1;
        if (http11 && !headers.contains(HttpHeaderNames.HOST)) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "an HTTP/1.1 request needs a Host header", true);
        }
        if (headers.getAll(HttpHeaderNames.HOST).size() > 1) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "a request may carry only one Host header", true);
        }
        String expect = headers.get(HttpHeaderNames.EXPECT);
        if (http11 && expect != null) {
            if (!expect.trim().equalsIgnoreCase(HttpHeaderValues.CONTINUE.toString())) {
                return new Refusal(HttpResponseStatus.EXPECTATION_FAILED,
                        "expectation '" + expect + "' is not supported (only 100-continue)", true);
            }
            if (HttpUtil.getContentLength(head, -1L) > maxBody) {
                return new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        BodyLimit.tooLargeMessage(maxBody), true);
            }
        }
        if (head.uri().indexOf('#') >= 0) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST,
                    "the request target contains '#' (send it as %23 in a key)", false);
        }
        return null;
    }
}
