package kvstore.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.util.Arrays;

/**
 * Copies one JSON value from a parser into its compact text, keeping every number exactly as written.
 *
 * <p>Values are stored and logged as this text: no whitespace (so a value never spans two log lines),
 * non-ASCII characters as raw UTF-8, and numbers copied from their source text rather than through a
 * double, so {@code 12345678901234567890123}, {@code 0.1} and {@code 1e400} come back digit for digit.
 */
public final class CompactJson {
    /**
     * The one factory kvstore parses and writes JSON with: no request text echoed in error messages, and
     * characters outside the BMP written as 4-byte UTF-8 rather than as two escaped surrogates. Strings have no
     * length limit of their own: a body is already bounded by {@code --max-body}, and a log line by the body it
     * came from, so a value the server accepted always reads back from its log.
     */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private CompactJson() {
    }

    /**
     * Copies the value at the parser's current token, which must come from {@code source} (the parser was
     * created over {@code source} starting at {@code sourceOffset}), and leaves the parser on the value's
     * last token.
     *
     * <p>Fast path: a value whose text is printable ASCII without escapes and without whitespace outside
     * strings is already compact, so its bytes are copied as they are; anything else is re-parsed and
     * rewritten. The parser reads an overlong UTF-8 form as the character it spells, so {@code source} must
     * already have passed {@link Utf8#isValid}.
     *
     * @throws IOException when the input is not valid JSON
     */
    public static byte[] copyValue(JsonParser parser, byte[] source, int sourceOffset) throws IOException {
        int start = sourceOffset + (int) parser.currentTokenLocation().getByteOffset();
        parser.skipChildren();
        parser.finishToken();
        int end = sourceOffset + (int) parser.currentLocation().getByteOffset();
        if (isCompactAscii(source, start, end)) {
            return Arrays.copyOfRange(source, start, end);
        }
        try (JsonParser again = FACTORY.createParser(source, start, end - start)) {
            again.nextToken();
            byte[] copy = copyValue(again);
            if (again.nextToken() != null) {
                throw new IOException("unexpected text after a JSON value");
            }
            return copy;
        }
    }

    private static boolean isCompactAscii(byte[] text, int from, int to) {
        boolean inString = false;
        for (int i = from; i < to; i++) {
            byte b = text[i];
            if (b < 0x20 || b >= 0x7f || b == '\\' || (b == ' ' && !inString)) {
                return false;
            }
            if (b == '"') {
                inString = !inString;
            }
        }
        return true;
    }

    /**
     * Copies the value at the parser's current token (which must be the value's first token) and leaves the
     * parser on the value's last token. A lone surrogate in a string is kept as its JSON escape.
     *
     * @throws IOException when the input is not valid JSON
     */
    public static byte[] copyValue(JsonParser parser) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder(64);
        try (JsonGenerator gen = FACTORY.createGenerator(out)) {
            copy(parser, gen);
        }
        return out.toByteArray();
    }

    private static void copy(JsonParser parser, JsonGenerator gen) throws IOException {
        int depth = 0;
        do {
            JsonToken token = parser.currentToken();
            switch (token) {
                case START_OBJECT -> {
                    gen.writeStartObject();
                    depth++;
                }
                case START_ARRAY -> {
                    gen.writeStartArray();
                    depth++;
                }
                case END_OBJECT -> {
                    gen.writeEndObject();
                    depth--;
                }
                case END_ARRAY -> {
                    gen.writeEndArray();
                    depth--;
                }
                case FIELD_NAME -> gen.writeFieldName(parser.currentName());
                case VALUE_STRING -> gen.writeString(parser.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> gen.writeNumber(parser.getText());
                case VALUE_TRUE -> gen.writeBoolean(true);
                case VALUE_FALSE -> gen.writeBoolean(false);
                case VALUE_NULL -> gen.writeNull();
                default -> throw new IOException("unexpected JSON token " + token);
            }
        } while (depth > 0 && parser.nextToken() != null);
        if (depth != 0) {
            throw new IOException("unexpected end of JSON");
        }
    }
}
