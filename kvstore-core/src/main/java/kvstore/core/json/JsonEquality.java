package kvstore.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether two JSON texts hold equal values, as a batch's {@code check} of a {@code value} compares them: object
 * members in any order (a name given twice counts by its last value), array elements in order, strings by their
 * characters, and numbers by their exact value: {@code 1.0} equals {@code 1}, {@code 1e400} equals
 * {@code 10e399}, {@code 0.1} differs from {@code 0.10000000000000001}. Nothing goes through a double.
 */
public final class JsonEquality {
    /** Stands for JSON {@code null} in a parsed value. */
    private static final Object NULL = new Object();

    private JsonEquality() {
    }

    /** Whether {@code a} and {@code b}, each the text of one JSON value, are equal as JSON; false if either is not JSON. */
    public static boolean equal(byte[] a, byte[] b) {
        if (Arrays.equals(a, b)) {
            return true; // both are compact text, so the same bytes are the usual case of equal values
        }
        try {
            return same(parse(a), parse(b));
        } catch (IOException e) {
            return false;
        }
    }

    private static Object parse(byte[] text) throws IOException {
        try (JsonParser p = CompactJson.FACTORY.createParser(text)) {
            p.nextToken();
            Object value = read(p);
            if (p.nextToken() != null) {
                throw new IOException("text after the value");
            }
            return value;
        }
    }

    /** The value at the parser's current token, as maps, lists, numbers, strings, booleans and {@link #NULL}. */
    private static Object read(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        if (token == null) {
            throw new IOException("no value");
        }
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> members = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    members.put(name, read(p));
                }
                return members;
            }
            case START_ARRAY -> {
                List<Object> elements = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    elements.add(read(p));
                }
                return elements;
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return number(p.getText());
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return NULL;
            }
            default -> throw new IOException("unexpected " + token);
        }
    }

    /** A number's exact value; one whose exponent is too large for BigDecimal is kept as its text. */
    private static Object number(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return new NumberText(text);
        }
    }

    private record NumberText(String text) {
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            // compareTo ignores the scale (1.0 vs 1) and never builds a number as long as its exponent.
            return x.compareTo(y) == 0;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> member : x.entrySet()) {
                Object other = y.get(member.getKey());
                if (other == null || !same(member.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }
}
