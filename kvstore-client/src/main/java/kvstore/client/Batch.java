package kvstore.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

import java.time.Duration;

/**
 * The operations of one atomic batch, in order, for {@link KvClient#batch}: sets, gets, deletes and checks. The
 * server applies all of them as one change (one revision) or, when a check does not hold, none of them
 * ({@link PreconditionFailedException} names the check by its index). A get or check sees the effect of the
 * operations before it in the same batch.
 *
 * <pre>{@code
 * client.batch(new Batch()
 *         .checkRevision("config", seen.modRevision())   // only if nobody changed it since we read it
 *         .set("config", newConfig)
 *         .delete("config-draft"));
 * }</pre>
 * Not thread-safe: build it on one thread.
 */
public final class Batch {
    private final ArrayNode operations = Json.MAPPER.createArrayNode();
    private boolean writes;

    /** Sets {@code key} to {@code value} (no TTL). */
    public Batch set(String key, JsonNode value) {
        return setJson(key, Json.text(value), null);
    }

    /** Sets {@code key} to {@code value}, expiring after {@code ttl}. */
    public Batch set(String key, JsonNode value, Duration ttl) {
        return setJson(key, Json.text(value), ttl);
    }

    /** Sets {@code key} to the value written as JSON text {@code json} (such as {@code "[1,2]"}); no TTL. */
    public Batch setJson(String key, String json) {
        return setJson(key, json, null);
    }

    /** Sets {@code key} to the value written as JSON text {@code json}, expiring after {@code ttl} (null: never). */
    public Batch setJson(String key, String json, Duration ttl) {
        ObjectNode op = op("set", key).putRawValue("value", new RawValue(Json.checkedText(json)));
        if (ttl != null) {
            op.putRawValue("ttl", new RawValue(Json.seconds(ttl)));
        }
        writes = true;
        return this;
    }

    /** Reads {@code key}: its result carries the value, or says it was not found. */
    public Batch get(String key) {
        op("get", key);
        return this;
    }

    /** Deletes {@code key}; a missing key does not fail the batch (its result says so). */
    public Batch delete(String key) {
        op("delete", key);
        writes = true;
        return this;
    }

    /** Holds only when {@code key}'s {@code mod_revision} is {@code modRevision}; 0 means "only when absent". */
    public Batch checkRevision(String key, long modRevision) {
        op("check", key).put("mod_revision", modRevision);
        return this;
    }

    /** Holds only when {@code key} exists ({@code true}) or is absent ({@code false}). */
    public Batch checkExists(String key, boolean exists) {
        op("check", key).put("exists", exists);
        return this;
    }

    /** Holds only when {@code key}'s value equals {@code value} as JSON (numbers compared exactly). */
    public Batch checkValue(String key, JsonNode value) {
        op("check", key).putRawValue("value", new RawValue(Json.text(value)));
        return this;
    }

    /** How many operations the batch holds. */
    public int size() {
        return operations.size();
    }

    private ObjectNode op(String name, String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a key is a non-empty string");
        }
        return operations.addObject().put("op", name).put("key", key);
    }

    /** Whether any operation changes the store (a batch of gets and checks only may be sent again freely). */
    boolean writes() {
        return writes;
    }

    byte[] body() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("operations", operations);
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a batch always writes as JSON", e);
        }
    }
}
