package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * The result of one operation of a batch, in the batch's order. Which accessors mean something depends on the
 * operation: {@link #created()} for a set, {@link #deleted()} for a delete, {@link #found()} and
 * {@link #keyValue()} for a get; {@link #json()} is the server's result object as it came.
 */
public final class OpResult {
    private final JsonNode json;
    private final KeyValue keyValue;

    OpResult(JsonNode json, KeyValue keyValue) {
        this.json = json;
        this.keyValue = keyValue;
    }

    static OpResult of(JsonNode result, AnswerJson answer) {
        return new OpResult(result, result.has("value") ? KeyValue.of(result, answer, 0) : null);
    }

    /** The key the operation named. */
    public String key() {
        return json.path("key").asText();
    }

    /** A set: whether it created the key. */
    public boolean created() {
        return json.path("created").asBoolean();
    }

    /** A delete: whether it found the key and removed it (a missing key does not fail a batch). */
    public boolean deleted() {
        return json.path("deleted").asBoolean();
    }

    /** A get: whether the key was there. */
    public boolean found() {
        return keyValue != null;
    }

    /** A get: the key, value and revisions it found. */
    public Optional<KeyValue> keyValue() {
        return Optional.ofNullable(keyValue);
    }

    /** The server's result object for this operation. */
    public JsonNode json() {
        return json;
    }

    @Override
    public String toString() {
        return json.toString();
    }
}
