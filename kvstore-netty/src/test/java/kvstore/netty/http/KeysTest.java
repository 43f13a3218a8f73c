package kvstore.netty.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeysTest {
    private static byte[] path(String uri) throws BadRequestException {
        return Keys.fromPath(uri, "/kv/".length(), Route.pathEnd(uri));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPercentDecodePathKeysAsUtf8() throws Exception {
        assertArrayEquals(utf8("a/b"), path("/kv/a%2Fb"));
        assertArrayEquals(utf8("é"), path("/kv/%C3%A9"));
        assertArrayEquals(utf8("a b"), path("/kv/a%20b"));
    }

    @Test
    void shouldTakePlusInAPathLiterally() throws Exception {
        assertArrayEquals(utf8("a+b"), path("/kv/a+b"));
    }

    @Test
    void shouldRejectBadKeys() {
        assertEquals("key must not be empty", assertThrows(BadRequestException.class, () -> path("/kv/")).getMessage());
        assertThrows(BadRequestException.class, () -> path("/kv/%ZZ"));
        assertThrows(BadRequestException.class, () -> path("/kv/%4"));
        assertThrows(BadRequestException.class, () -> path("/kv/%FF"));
        assertThrows(BadRequestException.class, () -> path("/kv/%C3"));
    }

    @Test
    void shouldAcceptKeysUpTo1024Bytes() throws Exception {
        assertEquals(1024, path("/kv/" + "k".repeat(1024)).length);
        assertThrows(BadRequestException.class, () -> path("/kv/" + "k".repeat(1025)));
        assertThrows(BadRequestException.class, () -> path("/kv/" + "%C3%A9".repeat(513)));
    }

    @Test
    void shouldFormDecodeThePrefixParameter() throws Exception {
        assertArrayEquals(utf8("a b"), Keys.prefixFromQuery("/kv?prefix=a+b", 4));
        assertArrayEquals(utf8("a+b"), Keys.prefixFromQuery("/kv?x=1&prefix=a%2Bb", 4));
        assertArrayEquals(new byte[0], Keys.prefixFromQuery("/kv?prefix=", 4));
        assertArrayEquals(new byte[0], Keys.prefixFromQuery("/kv", 4));
        assertThrows(BadRequestException.class, () -> Keys.prefixFromQuery("/kv?prefix=%FF", 4));
    }

    @Test
    void shouldRejectBatchKeysThatAreNotUtf8() {
        assertThrows(BadRequestException.class, () -> Keys.fromJson("\uD800"));
        assertThrows(BadRequestException.class, () -> Keys.fromJson(""));
    }
}
