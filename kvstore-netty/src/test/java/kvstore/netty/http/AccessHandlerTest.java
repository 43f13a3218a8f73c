package kvstore.netty.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.netty.security.AccessRules;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AccessHandlerTest {
    private final AccessHandler handler = new AccessHandler(AccessRules.LOOPBACK_DEFAULTS, false);

    @Test
    void shouldCheckEveryNewHostOfAConnectionWhileRememberingTheLastAllowed() {
        assertNull(handler.check(get("localhost:8080")));
        assertNull(handler.check(get("localhost:8080")), "the same Host again");

        assertEquals(HttpResponseStatus.FORBIDDEN, handler.check(get("evil.example:8080")).status);
        assertEquals(HttpResponseStatus.FORBIDDEN, handler.check(get("evil.example:8080")).status,
                "a refused Host is never remembered as allowed");
        assertNull(handler.check(get("127.0.0.1")));
        assertNull(handler.check(get(null)), "a request without Host goes on, as the rules say");
    }

    private static HttpRequest get(String host) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/kv/a");
        if (host != null) {
            request.headers().set(HttpHeaderNames.HOST, host);
        }
        return request;
    }
}
