package kvstore.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompactJsonTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "12345678901234567890123",
        "0.1",
        "1e400",
        "-0",
        "1.0E+2",
        "true",
        "false",
        "null",
        "\"\"",
        "[]",
        "{}",
        "\"plain text with spaces and {braces} [brackets] , colons:\"",
        "{\"a\":[1,{\"b\":null}],\"c\":\"d e\"}",
        "[[[[[[1]]]]]]"
    })
    void shouldCopyCompactValuesAsTheyAre(String json) throws IOException {
        assertCopiedAs(json, json);
    }

    @Test
    void shouldRemoveWhitespaceOutsideStrings() throws IOException {
        assertCopiedAs("{\"a\":[1,2,3],\"b\":\" x \"}", "{ \"a\" : [ 1 ,\t2 ,\n 3 ] , \"b\" : \" x \" }");
    }

    @Test
    void shouldWriteNonAsciiAsRawUtf8AndAstralCharsAsFourBytes() throws IOException {
        String json = "\"\\u00e9\\ud83d\\ude00\u00e9\uD83D\uDE00\"";
        String expected = "\"\u00e9\uD83D\uDE00\u00e9\uD83D\uDE00\"";

        assertArrayEquals(utf8(expected), utf8(copyWithoutSource(json)));
        assertArrayEquals(utf8(expected), utf8(copyFromSource(json)));
        assertEquals(2 + 2 + 4 + 2 + 4, utf8(copyFromSource(json)).length);
    }

    @Test
    void shouldNormaliseUnneededEscapesAndKeepNeededOnes() throws IOException {
        assertCopiedAs("\"A/\\\"\\\\\\n\\u0001\"", "\"\\u0041\\/\\\"\\\\\\n\\u0001\"");
    }

    @Test
    void shouldKeepLoneSurrogateEscapedRatherThanWriteInvalidUtf8() throws IOException {
        for (String json : new String[] {"\"\\ud800\"", "[\"a\\ude00b\"]"}) {
            String viaRewrite = copyWithoutSource(json);
            String viaSource = copyFromSource(json);

            assertEquals(viaRewrite, viaSource);
            assertTrue(StandardCharsets.US_ASCII.newEncoder().canEncode(viaSource), viaSource);
            assertEquals(new ObjectMapper().readTree(json), new ObjectMapper().readTree(viaSource));
        }
    }

    @Test
    void shouldRejectInvalidUtf8() {
        byte[] bad = {'{', '"', 'v', '"', ':', '"', (byte) 0xC3, '(', '"', '}'};

        assertThrows(IOException.class, () -> {
            try (JsonParser p = CompactJson.FACTORY.createParser(bad)) {
                p.nextToken();
                p.nextToken();
                p.nextToken();
                CompactJson.copyValue(p, bad, 0);
            }
        });
    }

    @Test
    void shouldRejectTruncatedValue() {
        assertThrows(IOException.class, () -> copyFromSource("{\"a\":[1,2"));
        assertThrows(IOException.class, () -> copyWithoutSource("{\"a\":[1,2"));
    }

    @Test
    void shouldCopyValueOfParserCreatedAtAnOffsetAndLeaveItOnTheValuesLastToken() throws IOException {
        String line = "{\"op\":\"set\",\"value\":{\"x\":[1,\"y\"]},\"ttl\":5,\"value2\":\"s\",\"n\":7}";
        byte[] buf = utf8("garbage before " + line + " and after");
        int off = utf8("garbage before ").length;
        try (JsonParser p = CompactJson.FACTORY.createParser(buf, off, utf8(line).length)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            p.nextToken();
            p.nextToken();
            p.nextToken();
            assertEquals("value", p.currentName());
            p.nextToken();

            assertEquals("{\"x\":[1,\"y\"]}", str(CompactJson.copyValue(p, buf, off)));
            assertEquals(JsonToken.END_OBJECT, p.currentToken());
            assertEquals(JsonToken.FIELD_NAME, p.nextToken());
            assertEquals("ttl", p.currentName());
            p.nextToken();
            assertEquals(5, p.getIntValue());
            p.nextToken();
            p.nextToken();
            assertEquals("\"s\"", str(CompactJson.copyValue(p, buf, off)));
            assertEquals(JsonToken.FIELD_NAME, p.nextToken());
            p.nextToken();
            assertEquals("7", str(CompactJson.copyValue(p, buf, off)));
            assertEquals(JsonToken.END_OBJECT, p.nextToken());
        }
    }

    /** Both copy paths turn json into expected. */
    private static void assertCopiedAs(String expected, String json) throws IOException {
        assertEquals(expected, copyWithoutSource(json), "re-writing path");
        assertEquals(expected, copyFromSource(json), "source-aware path");
    }

    /** Copies the member "v" of {"v":json} through the re-writing path. */
    private static String copyWithoutSource(String json) throws IOException {
        byte[] doc = utf8("{\"v\":" + json + ",\"after\":1}");
        try (JsonParser p = CompactJson.FACTORY.createParser(doc)) {
            p.nextToken();
            p.nextToken();
            p.nextToken();
            String out = str(CompactJson.copyValue(p));
            assertEquals(JsonToken.FIELD_NAME, p.nextToken());
            assertEquals("after", p.currentName());
            return out;
        }
    }

    /** Copies the member "v" of {"v":json} through the source-aware path, with the document at an offset. */
    private static String copyFromSource(String json) throws IOException {
        byte[] doc = utf8("{\"v\":" + json + ",\"after\":1}");
        byte[] buf = new byte[doc.length + 7];
        System.arraycopy(doc, 0, buf, 3, doc.length);
        try (JsonParser p = CompactJson.FACTORY.createParser(buf, 3, doc.length)) {
            p.nextToken();
            p.nextToken();
            p.nextToken();
            String out = str(CompactJson.copyValue(p, buf, 3));
            assertEquals(JsonToken.FIELD_NAME, p.nextToken());
            assertEquals("after", p.currentName());
            return out;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
