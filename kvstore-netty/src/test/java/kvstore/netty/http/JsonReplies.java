package kvstore.netty.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the handler tests read of a reply's body. */
final class JsonReplies {
    private JsonReplies() {
    }

    /** A JSON body without the newline that ends it; fails when it does not end with one (an empty body has none). */
    static String line(String body) {
        if (body.isEmpty()) {
            return body;
        }
        assertTrue(body.endsWith("\n"), () -> "a reply ends with a newline: " + body);
        return body.substring(0, body.length() - 1);
    }
}
