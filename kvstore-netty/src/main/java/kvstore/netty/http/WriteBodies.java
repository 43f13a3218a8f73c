package kvstore.netty.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import kvstore.core.json.CompactJson;
import kvstore.core.json.Utf8;
import kvstore.core.store.Condition;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses and checks the bodies of {@code PUT /kv/{key}} and {@code POST /kv/batch} into operations (a batch's
 * {@code check} has exactly one of {@code mod_revision}, {@code exists} or {@code value}). Everything is checked
 * before anything is submitted, so a bad body writes nothing.
 */
final class WriteBodies {
    private WriteBodies() {
    }

    /** The set that {@code {"value": v, "ttl": t}} asks for, with its deadline counted from {@code now}. */
    static Op.Set put(byte[] key, byte[] body, long now) throws BadRequestException {
        requireUtf8(body);
        try (JsonParser p = CompactJson.FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequestException("body must be a JSON object like {\"value\": ...}");
            }
            byte[] value = null;
            long deadline = Entry.NEVER;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "value" -> value = CompactJson.copyValue(p, body, 0);
                    case "ttl" -> deadline = deadline(p, now);
                    default -> p.skipChildren();
                }
            }
            requireEnd(p);
            if (value == null) {
                throw new BadRequestException("body has no \"value\" member");
            }
            return new Op.Set(key, value, deadline);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    /** The operations of {@code {"operations": [...]}}; a bad one is reported with its index. */
    static List<Op> batch(byte[] body, long now) throws BadRequestException {
        requireUtf8(body);
        try (JsonParser p = CompactJson.FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequestException("body must be a JSON object like {\"operations\": [...]}");
            }
            List<Op> ops = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                if (!name.equals("operations")) {
                    p.skipChildren();
                } else if (token != JsonToken.START_ARRAY) {
                    throw new BadRequestException("\"operations\" must be an array");
                } else {
                    ops = operations(p, body, now);
                }
            }
            requireEnd(p);
            if (ops == null) {
                throw new BadRequestException("body has no \"operations\" array");
            }
            return ops;
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    private static List<Op> operations(JsonParser p, byte[] body, long now) throws IOException, BadRequestException {
        List<Op> ops = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            ops.add(operation(p, body, now, ops.size()));
        }
        return ops;
    }

    private static Op operation(JsonParser p, byte[] body, long now, int index) throws IOException, BadRequestException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            throw new BadRequestException("operation must be a JSON object", index);
        }
        String op = null;
        String key = null;
        byte[] value = null;
        long deadline = Entry.NEVER;
        boolean badKey = false;
        String badTtl = null;
        Condition condition = null;
        int conditions = 0;
        String badCondition = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken token = p.nextToken();
            switch (name) {
                case "mod_revision" -> {
                    conditions++;
                    boolean whole = token == JsonToken.VALUE_NUMBER_INT
                            && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() >= 0;
                    condition = whole ? new Condition.ModRevision(p.getLongValue()) : null;
                    badCondition = whole ? badCondition : "mod_revision must be a whole number of 0 or more";
                    p.skipChildren();
                }
                case "exists" -> {
                    conditions++;
                    boolean bool = token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
                    condition = bool ? new Condition.Exists(token == JsonToken.VALUE_TRUE) : null;
                    badCondition = bool ? badCondition : "exists must be true or false";
                    p.skipChildren();
                }
                case "op" -> {
                    op = token == JsonToken.VALUE_STRING ? p.getText() : "";
                    p.skipChildren();
                }
                case "key" -> {
                    badKey = token != JsonToken.VALUE_STRING;
                    key = badKey ? null : p.getText();
                    p.skipChildren();
                }
                case "value" -> value = CompactJson.copyValue(p, body, 0);
                case "ttl" -> {
                    try {
                        deadline = deadline(p, now);
                    } catch (BadRequestException e) {
                        badTtl = e.getMessage();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (op == null || !(op.equals("set") || op.equals("get") || op.equals("delete") || op.equals("check"))) {
            throw new BadRequestException(op == null ? "operation has no \"op\""
                    : "unknown op (expected set, get, delete or check)", index);
        }
        if (key == null) {
            throw new BadRequestException(badKey ? "key must be a string" : "operation has no \"key\"", index);
        }
        byte[] keyBytes;
        try {
            keyBytes = Keys.fromJson(key);
        } catch (BadRequestException e) {
            throw new BadRequestException(e.getMessage(), index);
        }
        if (badTtl != null) {
            throw new BadRequestException(badTtl, index);
        }
        switch (op) {
            case "get" -> {
                return new Op.Get(keyBytes);
            }
            case "check" -> {
                if (value != null) {
                    conditions++;
                    condition = new Condition.ValueEquals(value);
                }
                if (conditions != 1) {
                    throw new BadRequestException("check needs exactly one of mod_revision, exists or value", index);
                }
                if (badCondition != null) {
                    throw new BadRequestException(badCondition, index);
                }
                return new Op.Check(keyBytes, condition);
            }
            case "delete" -> {
                return new Op.Delete(keyBytes);
            }
            default -> {
                if (value == null) {
                    throw new BadRequestException("set has no \"value\"", index);
                }
                return new Op.Set(keyBytes, value, deadline);
            }
        }
    }

    /** The deadline a {@code ttl} member asks for: null or absent never expires, zero or less is already over. */
    private static long deadline(JsonParser p, long now) throws IOException, BadRequestException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return Entry.NEVER;
        }
        if (!token.isNumeric()) {
            p.skipChildren();
            throw new BadRequestException("ttl must be a number of seconds");
        }
        double seconds = p.getDoubleValue();
        if (seconds > Entry.MAX_TTL_SECONDS) {
            throw new BadRequestException("ttl is too large");
        }
        return Entry.deadline(now, seconds);
    }

    /** The parser would read an overlong form as the character it spells, so the bytes are checked first. */
    private static void requireUtf8(byte[] body) throws BadRequestException {
        if (!Utf8.isValid(body)) {
            throw new BadRequestException("request body is not valid UTF-8");
        }
    }

    private static void requireEnd(JsonParser p) throws IOException, BadRequestException {
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw new BadRequestException("body must be a single JSON object, with nothing after it");
        }
    }

    /**
     * The parser's complaint in kvstore's terms, with where it happened: its own texts quote its internals
     * ("Unrecognized token ... was expecting ...", limit messages naming its classes and methods), so none of
     * them reaches a client. Only the plain {@link IOException}s of {@link CompactJson}, which are kvstore's
     * words, pass as they are.
     */
    private static BadRequestException notJson(IOException e) {
        if (e instanceof StreamConstraintsException) {
            return new BadRequestException("body is not accepted: " + overLimit(e.getMessage()));
        }
        if (e.getClass() == IOException.class) {
            return new BadRequestException("body is not valid JSON: " + e.getMessage());
        }
        String where = "";
        if (e instanceof JsonProcessingException j && j.getLocation() != null) {
            JsonLocation at = j.getLocation();
            where = " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        }
        String message = String.valueOf(e.getMessage());
        String what;
        if (e instanceof JsonEOFException || message.startsWith("Unexpected end-of-input")) {
            what = "it ends before the JSON is complete";
        } else if (message.contains("surrogate")) {
            what = "a \\u escape" + where + " is half of a surrogate pair";
        } else {
            what = "unexpected text" + where;
        }
        return new BadRequestException("body is not valid JSON: " + what);
    }

    private static String overLimit(String message) {
        StreamReadConstraints limits = CompactJson.FACTORY.streamReadConstraints();
        String m = message == null ? "" : message;
        if (m.startsWith("Document nesting depth")) {
            return "JSON nested deeper than " + limits.getMaxNestingDepth() + " levels";
        }
        if (m.startsWith("Number value length")) {
            return "JSON number longer than " + limits.getMaxNumberLength() + " characters";
        }
        if (m.startsWith("Name length")) {
            return "JSON member name longer than " + limits.getMaxNameLength() + " characters";
        }
        return "JSON over kvstore's limits (nesting " + limits.getMaxNestingDepth() + " levels, numbers "
                + limits.getMaxNumberLength() + " characters)";
    }
}
