package kvstore.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * An answer's JSON body as a tree, plus the exact text of every {@code "value"} member in it, as the server
 * sent it: a value reads back as it was written ({@code 1e400} stays {@code 1e400}, not {@code 1E+400}), which
 * a tree written out again would not promise. The text runs from the value's first byte to the next token of its
 * object, less the blanks and the comma between.
 */
final class AnswerJson {
    private final byte[] body;
    private final JsonNode root;
    /** The raw value text of each object that has a "value" member, by the object's identity. */
    private final Map<JsonNode, String> rawValues = new IdentityHashMap<>();

    private AnswerJson(byte[] body) throws IOException {
        this.body = body;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            p.nextToken();
            this.root = read(p);
        }
    }

    /** Parses {@code body}; IOException when it is not JSON. */
    static AnswerJson parse(byte[] body) throws IOException {
        return new AnswerJson(body);
    }

    JsonNode root() {
        return root;
    }

    /** The exact text of {@code holder}'s "value" member, or null when it has none. */
    String rawValue(JsonNode holder) {
        return rawValues.get(holder);
    }

    /** The value starting at the parser's current token; leaves the parser on its last token. */
    private JsonNode read(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.START_OBJECT) {
            return readObject(p);
        }
        if (p.currentToken() == JsonToken.START_ARRAY) {
            ArrayNode array = Json.MAPPER.createArrayNode();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                array.add(read(p));
            }
            return array;
        }
        return Json.MAPPER.readTree(p);
    }

    private ObjectNode readObject(JsonParser p) throws IOException {
        ObjectNode object = Json.MAPPER.createObjectNode();
        JsonToken token = p.nextToken();
        while (token == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("value")) {
                // a stored value is the user's: taken whole, with its text, never searched for more "value"s
                int start = (int) p.currentTokenLocation().getByteOffset();
                object.set(name, Json.MAPPER.readTree(p));
                token = p.nextToken();
                rawValues.put(object, text(start, (int) p.currentTokenLocation().getByteOffset()));
            } else {
                object.set(name, read(p));
                token = p.nextToken();
            }
        }
        return object;
    }

    /** The bytes from {@code start} to {@code end} less the blanks and comma that separate a value from what follows. */
    private String text(int start, int end) {
        int last = end;
        while (last > start && isBlankOrComma(body[last - 1])) {
            last--;
        }
        return new String(body, start, last - start, StandardCharsets.UTF_8);
    }

    private static boolean isBlankOrComma(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == ',';
    }
}
