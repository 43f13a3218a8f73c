package kvstore.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * The client's one Jackson set-up. Numbers keep every digit ({@code 12345678901234567890123}, {@code 0.1} and
 * {@code 1e400} become BigInteger and BigDecimal, never doubles), as the server keeps them; the limits are the
 * server's own (1000 levels of values inside an answer's few levels, strings as long as a body may be).
 */
final class Json {
    /** The server nests values at most 1000 levels deep; an answer wraps them in a few more. */
    private static final int MAX_DEPTH = 1100;
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH).maxStringLength(Integer.MAX_VALUE).build())
            .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    private Json() {
    }

    /** A value as compact JSON text. */
    static String text(JsonNode value) {
        if (value == null) {
            throw new IllegalArgumentException("a value is a JSON node (NullNode for JSON null), not Java null");
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code json} when it is exactly one JSON value (surrounding blanks dropped); else IllegalArgumentException. */
    static String checkedText(String json) {
        try (JsonParser p = MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() == null) {
                throw new IllegalArgumentException("not JSON: empty text");
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("not one JSON value: text follows it at offset "
                        + p.currentTokenLocation().getCharOffset());
            }
            return json.strip();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A node that writes out as {@code json} exactly (checked to be one JSON value). */
    static JsonNode raw(String json) {
        return new POJONode(new RawValue(checkedText(json)));
    }

    /** A value given as JSON text, parsed as the client parses answers. */
    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(checkedText(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A TTL as the JSON number of seconds the server takes: {@code 1.5} for 1500 ms, exactly. */
    static String seconds(Duration ttl) {
        BigDecimal seconds = BigDecimal.valueOf(ttl.getSeconds()).add(BigDecimal.valueOf(ttl.getNano(), 9));
        return seconds.stripTrailingZeros().toPlainString();
    }

    /** The server's seconds (a JSON number, fractions allowed) as a Duration, rounded to the nanosecond. */
    static Duration duration(JsonNode seconds) {
        BigDecimal nanos = seconds.decimalValue().movePointRight(9);
        return Duration.ofNanos(nanos.setScale(0, RoundingMode.HALF_UP).longValueExact());
    }
}
