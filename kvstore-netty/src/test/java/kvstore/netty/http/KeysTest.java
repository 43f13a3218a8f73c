package kvstore.netty.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertThrows(BadRequestException.class, () -> path("/kv/%C0%AF"), "an overlong /");
        assertThrows(BadRequestException.class, () -> path("/kv/%E0%80%AF"), "an overlong /");
        assertThrows(BadRequestException.class, () -> path("/kv/%ED%A0%80"), "an encoded surrogate");
    }

    @Test
    void shouldAcceptKeysUpTo1024Bytes() throws Exception {
        assertEquals(1024, path("/kv/" + "k".repeat(1024)).length);
        assertThrows(BadRequestException.class, () -> path("/kv/" + "k".repeat(1025)));
        assertThrows(BadRequestException.class, () -> path("/kv/" + "%C3%A9".repeat(513)));
    }

    @Test
    void shouldFormDecodeThePrefixParameter() throws Exception {
        assertArrayEquals(utf8("a b"), Keys.listQuery("/kv?prefix=a+b", 4).prefix());
        assertArrayEquals(utf8("a+b"), Keys.listQuery("/kv?x=1&prefix=a%2Bb", 4).prefix());
        assertArrayEquals(new byte[0], Keys.listQuery("/kv?prefix=", 4).prefix());
        assertArrayEquals(new byte[0], Keys.listQuery("/kv", 4).prefix());
        assertThrows(BadRequestException.class, () -> Keys.listQuery("/kv?prefix=%FF", 4));
    }

    @Test
    void shouldParseLimitAndAfterOfAPage() throws Exception {
        ListQuery query = Keys.listQuery("/kv?prefix=p&limit=25&after=p%F0%9F%98%80", 4);

        assertArrayEquals(utf8("p"), query.prefix());
        assertArrayEquals(utf8("p\uD83D\uDE00"), query.after());
        assertEquals(25, query.limit());
        assertTrue(query.paged());
    }

    @Test
    void shouldListWholeWithoutLimit() throws Exception {
        ListQuery query = Keys.listQuery("/kv?prefix=p", 4);

        assertFalse(query.paged());
        assertNull(query.after());
    }

    @Test
    void shouldAcceptLimitsFromOneTo10000Only() throws Exception {
        assertEquals(1, Keys.listQuery("/kv?limit=1", 4).limit());
        assertEquals(10000, Keys.listQuery("/kv?limit=10000", 4).limit());
        for (String bad : new String[] {"0", "10001", "-1", "", "1.5", "ten", "99999999999999999999", "+5"}) {
            assertThrows(BadRequestException.class, () -> Keys.listQuery("/kv?limit=" + bad, 4), bad);
        }
    }

    @Test
    void shouldRejectAnAfterThatIsNotUtf8() {
        assertThrows(BadRequestException.class, () -> Keys.listQuery("/kv?limit=5&after=%FF", 4));
        assertThrows(BadRequestException.class, () -> Keys.listQuery("/kv?limit=5&after=%G1", 4));
    }

    @Test
    void shouldRejectBatchKeysThatAreNotUtf8() {
        assertThrows(BadRequestException.class, () -> Keys.fromJson("\uD800"));
        assertThrows(BadRequestException.class, () -> Keys.fromJson(""));
    }
}
