package kvstore.netty.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import kvstore.client.KeyValue;
import kvstore.client.WatchEvent;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/**
 * What the subcommands print: compact JSON, one document per line, shaped as the server's own answers (a value
 * printed as the server stored it, every digit kept), so a line can be piped to {@code jq} or back to kvstore.
 */
final class Printed {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Printed() {
    }

    /** {@code {"key":k,"value":v,"create_revision":c,"mod_revision":m,"version":n,"ttl"?:t}}. */
    static String keyValue(KeyValue kv) {
        ObjectNode line = JSON.createObjectNode().put("key", kv.key());
        line.putRawValue("value", new RawValue(kv.valueJson()));
        line.put("create_revision", kv.createRevision()).put("mod_revision", kv.modRevision())
                .put("version", kv.version());
        kv.ttl().ifPresent(ttl -> line.put("ttl", seconds(ttl)));
        return text(line);
    }

    /** A watch event as the server's event data: {@code {"type":"put","key":k,"value":v,"revision":r,...}}. */
    static String event(WatchEvent event) {
        ObjectNode line = JSON.createObjectNode().put("type", event.type().name().toLowerCase(Locale.ROOT))
                .put("key", event.key());
        KeyValue kv = event.keyValue();
        if (kv != null) {
            line.putRawValue("value", new RawValue(kv.valueJson()));
        }
        line.put("revision", event.revision());
        if (kv != null) {
            line.put("create_revision", kv.createRevision()).put("version", kv.version());
            kv.ttl().ifPresent(ttl -> line.put("ttl", seconds(ttl)));
        }
        return text(line);
    }

    /** Seconds with the fraction the duration has, never in exponent form ({@code 10}, {@code 1.5}). */
    private static BigDecimal seconds(Duration ttl) {
        BigDecimal seconds = BigDecimal.valueOf(ttl.toNanos(), 9).stripTrailingZeros();
        return seconds.scale() < 0 ? seconds.setScale(0) : seconds;
    }

    static String text(JsonNode json) {
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always writes as JSON", e);
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
