package kvstore.netty.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import kvstore.client.KvClient;
import kvstore.client.PutResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** {@code kvstore put KEY VALUE}: writes a JSON value (or a string), optionally with a TTL or a condition. */
@Command(name = "put", description = {"Set a key to a JSON value and print {\"key\",\"created\",\"revision\"}.",
    "Without VALUE (or with -) the value is read from stdin."})
final class PutCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
            description = "The value as JSON, e.g. '{\"a\": 1}', '\"text\"', 42 (with --string: any text).")
    String value;

    @Option(names = {"-s", "--string"}, description = "Store VALUE as a JSON string, as it is.")
    boolean string;

    @Option(names = "--ttl", paramLabel = "SECONDS", description = "Expire the key after this many seconds (fractions allowed).")
    BigDecimal ttl;

    @ArgGroup(exclusive = true)
    Condition condition;

    /** At most one condition. */
    static final class Condition {
        @Option(names = "--if-absent", description = "Only create the key: exit 3 when it exists.")
        boolean ifAbsent;

        @Option(names = "--if-revision", paramLabel = "REV",
                description = "Only when the key's mod_revision is REV: exit 3 when it changed.")
        Long ifRevision;
    }

    @Override
    int run(KvClient client) throws IOException {
        JsonNode parsed = parse(value == null || value.equals("-") ? stdin() : value);
        Duration expiry = ttl == null ? null : Ttl.of(ttl, "--ttl");
        PutResult result;
        if (condition != null && condition.ifAbsent) {
            result = client.putIfAbsent(key, parsed, expiry);
        } else if (condition != null && condition.ifRevision != null) {
            result = client.putIfRevision(key, parsed, condition.ifRevision, expiry);
        } else {
            result = client.put(key, parsed, expiry);
        }
        out().println(Printed.text(Printed.object().put("key", result.key()).put("created", result.created())
                .put("revision", result.revision())));
        return ExitStatus.OK;
    }

    private JsonNode parse(String text) {
        if (string) {
            return TextNode.valueOf(text);
        }
        try {
            return KvClient.rawJson(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("VALUE is " + e.getMessage() + " (use --string to store text as it is)");
        }
    }

    private String stdin() throws IOException {
        InputStream in = System.in;
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return string && text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
