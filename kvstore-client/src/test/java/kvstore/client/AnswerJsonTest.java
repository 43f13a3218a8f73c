package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AnswerJsonTest {
    private static AnswerJson parse(String json) throws IOException {
        return AnswerJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldKeepTheExactTextOfAValue() throws IOException {
        AnswerJson answer = parse("{\"key\":\"k\",\"value\":{\"n\":1e400,\"s\":\"é\\u00e9\"},\"mod_revision\":3}");
        assertEquals("{\"n\":1e400,\"s\":\"é\\u00e9\"}", answer.rawValue(answer.root()));
        assertEquals(new BigDecimal("1e400"), answer.root().get("value").get("n").decimalValue());
        assertEquals(3, answer.root().get("mod_revision").asLong());
    }

    @Test
    void shouldFindTheValueOfEveryItemWhateverTheBlanksAndPlace() throws IOException {
        AnswerJson answer = parse("{\"items\": [ {\"key\": \"a\", \"value\" :  12345678901234567890123 , \"version\": 1},\n"
                + "  {\"value\": [1, {\"value\": 2}] }, {\"value\":null},{\"value\":\"x,\"}], \"revision\": 9}");
        JsonNode items = answer.root().get("items");
        assertEquals("12345678901234567890123", answer.rawValue(items.get(0)));
        assertEquals("[1, {\"value\": 2}]", answer.rawValue(items.get(1)), "a value's own \"value\" members are its own");
        assertNull(answer.rawValue(items.get(1).get("value").get(1)));
        assertEquals("null", answer.rawValue(items.get(2)));
        assertEquals("\"x,\"", answer.rawValue(items.get(3)));
        assertEquals(9, answer.root().get("revision").asLong());
    }

    @Test
    void shouldReadValuesNestedAsDeepAsTheServerAllows() throws IOException {
        String deep = "[".repeat(1000) + "]".repeat(1000);
        AnswerJson answer = parse("{\"items\":[{\"key\":\"d\",\"value\":" + deep + "}]}");
        assertEquals(deep, answer.rawValue(answer.root().get("items").get(0)));
    }

    @Test
    void shouldFailOnWhatIsNotJson() {
        assertThrows(IOException.class, () -> parse("<html>bad gateway</html>"));
    }
}
