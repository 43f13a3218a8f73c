package kvstore.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UrlTextTest {
    @Test
    void shouldEncodeEveryByteButTheUnreservedOnes() {
        assertEquals("a%2Fb%2Bc%20d%3F%25%23", UrlText.encode("a/b+c d?%#"));
        assertEquals("Az09-._~", UrlText.encode("Az09-._~"));
        assertEquals("%C3%A9%F0%9F%98%80", UrlText.encode("é😀"));
    }

    @Test
    void shouldMakeAKeyOneSegmentThatNoDotSegmentRuleTouches() {
        assertEquals("/kv/session%2F42", UrlText.keyPath("session/42"));
        assertEquals("/kv/%2E", UrlText.keyPath("."));
        assertEquals("/kv/%2E%2E", UrlText.keyPath(".."));
        assertEquals("/kv/...", UrlText.keyPath("..."));
        assertThrows(IllegalArgumentException.class, () -> UrlText.keyPath(""));
    }
}
