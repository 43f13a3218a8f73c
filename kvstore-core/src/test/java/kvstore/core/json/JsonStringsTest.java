package kvstore.core.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class JsonStringsTest {
    @Test
    void shouldQuotePlainTextAsIs() {
        assertEquals("\"abc \u00e9\uD83D\uDE00\"", str(JsonStrings.quote(utf8("abc \u00e9\uD83D\uDE00"))));
    }

    @Test
    void shouldEscapeQuotesBackslashesAndControlCharacters() {
        String text = "\"\\\n\r\t\b\f\u0000\u001f\u007f/";

        assertEquals("\"\\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\u007f/\"", str(JsonStrings.quote(utf8(text))));
    }

    @Test
    void shouldProduceJsonThatReadsBackAsTheSameText() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            all.append(c);
        }
        all.append("\u00e9\u2028\uFFFD\uD83D\uDE00");

        String parsed = new ObjectMapper().readValue(JsonStrings.quote(utf8(all.toString())), String.class);

        assertEquals(all.toString(), parsed);
    }

    @Test
    void shouldPredictTheQuotedLength() {
        byte[] text = utf8("a\"\n\u0001\u00e9");

        assertEquals(JsonStrings.quote(text).length, JsonStrings.quotedLength(text));
        assertEquals(2 + 1 + 2 + 2 + 6 + 2, JsonStrings.quotedLength(text));
    }

    @Test
    void shouldWriteQuotedAtAPosition() {
        byte[] out = new byte[20];
        out[0] = 'x';

        int end = JsonStrings.writeQuoted(utf8("a\tb"), out, 1);

        assertEquals(7, end);
        assertEquals("x\"a\\tb\"", new String(out, 0, end, StandardCharsets.UTF_8));
    }

    @Test
    void shouldEncodeUtf8OrReturnNullForLoneSurrogates() {
        assertArrayEquals(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80},
                JsonStrings.utf8OrNull("\uD83D\uDE00"));
        assertArrayEquals(utf8("a\u00e9"), JsonStrings.utf8OrNull("a\u00e9"));
        assertNull(JsonStrings.utf8OrNull("\uD800"));
        assertNull(JsonStrings.utf8OrNull("a\uDE00b"));
        assertArrayEquals(new byte[0], JsonStrings.utf8OrNull(""));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
