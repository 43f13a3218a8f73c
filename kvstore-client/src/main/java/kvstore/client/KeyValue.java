package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A key with its value and revisions, as a read found it: from {@link KvClient#get}, a listing with values, a
 * batch's {@code get}, or a watch's {@code put} event.
 *
 * <p>The value is given two ways: {@link #value()} as a Jackson tree, with numbers kept exact (BigInteger,
 * BigDecimal), and {@link #valueJson()} as the JSON text the server sent, byte for byte as it was written.
 * {@link #modRevision()} is what {@link KvClient#putIfRevision} and {@link KvClient#deleteIfRevision} take.
 * The revisions are 0 when the server does not report them (a server from before revisions).
 */
public final class KeyValue {
    private final String key;
    private final JsonNode value;
    private final String valueJson;
    private final long createRevision;
    private final long modRevision;
    private final long version;
    private final Duration ttl;

    KeyValue(String key, JsonNode value, String valueJson, long createRevision, long modRevision, long version,
             Duration ttl) {
        this.key = key;
        this.value = value;
        this.valueJson = valueJson;
        this.createRevision = createRevision;
        this.modRevision = modRevision;
        this.version = version;
        this.ttl = ttl;
    }

    /**
     * Reads an object such as {@code {"key": k, "value": v, "create_revision": c, "mod_revision": m, "version": n,
     * "ttl": t}}; {@code modRevision} stands in when the object has no {@code mod_revision} (a watch event's is its
     * {@code revision}).
     */
    static KeyValue of(JsonNode item, AnswerJson answer, long modRevision) {
        JsonNode value = item.get("value");
        String text = answer.rawValue(item);
        return new KeyValue(item.path("key").asText(), value, text != null ? text : Json.text(value),
                item.path("create_revision").asLong(), item.path("mod_revision").asLong(modRevision),
                item.path("version").asLong(), item.hasNonNull("ttl") ? Json.duration(item.get("ttl")) : null);
    }

    /** The key. */
    public String key() {
        return key;
    }

    /** The value as a tree: JSON numbers as BigInteger or BigDecimal nodes, exactly as stored. */
    public JsonNode value() {
        return value;
    }

    /** The value as the JSON text the server sent, such as {@code {"n":1e400}}. */
    public String valueJson() {
        return valueJson;
    }

    /** The revision of the change that created the key (since it last did not exist). */
    public long createRevision() {
        return createRevision;
    }

    /** The revision of the key's last change: the condition for {@link KvClient#putIfRevision}. */
    public long modRevision() {
        return modRevision;
    }

    /** How many writes the key has had since it was created: 1 for a new key. */
    public long version() {
        return version;
    }

    /** The time the key has left when it has a TTL (as the server saw it when answering). */
    public Optional<Duration> ttl() {
        return Optional.ofNullable(ttl);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv && key.equals(kv.key) && valueJson.equals(kv.valueJson)
                && createRevision == kv.createRevision && modRevision == kv.modRevision && version == kv.version
                && Objects.equals(ttl, kv.ttl);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, valueJson, modRevision);
    }

    @Override
    public String toString() {
        return key + "=" + valueJson + " (mod_revision " + modRevision + ", version " + version
                + (ttl != null ? ", ttl " + ttl : "") + ")";
    }
}
