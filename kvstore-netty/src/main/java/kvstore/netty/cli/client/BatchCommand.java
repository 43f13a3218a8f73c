package kvstore.netty.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kvstore.client.Batch;
import kvstore.client.BatchResult;
import kvstore.client.KvClient;
import kvstore.client.OpResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** {@code kvstore batch FILE}: applies the operations of a file (or stdin) as one atomic batch. */
@Command(name = "batch", description = {"Apply the operations of a file (or stdin) as one atomic batch.",
    "Prints {\"results\":[...],\"revision\"}. The input is the body POST /kv/batch takes, {\"operations\":[...]},",
    "or just the array; exit 3 when a check fails (then nothing was applied)."})
final class BatchCommand extends ClientCommand {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "The batch as JSON; - or nothing reads stdin.")
    String file;

    @Override
    int run(KvClient client) throws IOException {
        JsonNode input = read();
        JsonNode operations = input.isObject() ? input.get("operations") : input;
        if (operations == null || !operations.isArray()) {
            throw new UsageException("a batch is {\"operations\": [...]} or an array of operations");
        }
        Batch batch = new Batch();
        for (int i = 0; i < operations.size(); i++) {
            add(batch, operations.get(i), i);
        }
        BatchResult result = client.batch(batch);
        ArrayNode results = Printed.object().putArray("results");
        for (OpResult r : result.results()) {
            results.add(r.json());
        }
        ObjectNode printed = Printed.object();
        printed.set("results", results);
        printed.put("revision", result.revision());
        out().println(Printed.text(printed));
        return ExitStatus.OK;
    }

    private JsonNode read() throws IOException {
        String text;
        if (file == null || file.equals("-")) {
            text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } else {
            try {
                text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UsageException("cannot read " + file + ": " + e.getMessage());
            }
        }
        try {
            return KvClient.parseJson(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("the batch is " + e.getMessage());
        }
    }

    /** Adds operation {@code i} through the client's typed calls, so a bad one is named before anything is sent. */
    private static void add(Batch batch, JsonNode op, int i) {
        String key = op.path("key").isTextual() ? op.get("key").asText() : null;
        if (key == null || key.isEmpty()) {
            throw new UsageException("operation " + i + " has no key");
        }
        switch (op.path("op").asText()) {
            case "set" -> {
                if (!op.has("value")) {
                    throw new UsageException("operation " + i + " (set) has no value");
                }
                JsonNode ttl = op.get("ttl");
                if (ttl != null && !ttl.isNull() && !ttl.isNumber()) {
                    throw new UsageException("operation " + i + ": ttl is a number of seconds");
                }
                batch.set(key, op.get("value"), ttl == null || ttl.isNull() ? null : Ttl.of(ttl.decimalValue(), "operation " + i + ": ttl"));
            }
            case "get" -> batch.get(key);
            case "delete" -> batch.delete(key);
            case "check" -> check(batch, op, key, i);
            default -> throw new UsageException("operation " + i + ": unknown op " + op.path("op"));
        }
    }

    private static void check(Batch batch, JsonNode op, String key, int i) {
        if (op.has("mod_revision") && op.get("mod_revision").canConvertToExactIntegral()) {
            batch.checkRevision(key, op.get("mod_revision").asLong());
        } else if (op.has("exists") && op.get("exists").isBoolean()) {
            batch.checkExists(key, op.get("exists").asBoolean());
        } else if (op.has("value")) {
            batch.checkValue(key, op.get("value"));
        } else {
            throw new UsageException("operation " + i + " (check) needs mod_revision, exists or value");
        }
    }
}
