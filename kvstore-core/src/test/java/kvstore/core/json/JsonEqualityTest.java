package kvstore.core.json;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonEqualityTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1|1|true",
            "1|1.0|true",
            "1|1e0|true",
            "1e400|10e399|true",
            "1e400|1e401|false",
            "0.1|0.10|true",
            "0.1|0.10000000000000001|false",
            "12345678901234567890123|12345678901234567890124|false",
            "-0|0|true",
            "\"1\"|1|false",
            "\"a\\u0062\"|\"ab\"|true",
            "true|true|true",
            "true|false|false",
            "null|null|true",
            "null|false|false",
            "[1,2]|[2,1]|false",
            "[1,[2.0]]|[1.0,[2]]|true",
            "{\"a\":1,\"b\":2}|{\"b\":2.0,\"a\":1}|true",
            "{\"a\":1}|{\"a\":1,\"b\":2}|false",
            "{\"a\":null}|{}|false",
            "{}|[]|false",
            "1e999999999999|1e999999999999|true",
            "1e999999999999|2e999999999999|false",
            "1|not json|false"})
    void shouldCompareValuesAsJson(String a, String b, boolean equal) {
        assertEquals(equal, JsonEquality.equal(utf8(a), utf8(b)), a + " vs " + b);
        assertEquals(equal, JsonEquality.equal(utf8(b), utf8(a)), b + " vs " + a);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
