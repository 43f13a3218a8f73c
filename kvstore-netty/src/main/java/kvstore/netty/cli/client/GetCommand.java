package kvstore.netty.cli.client;

import kvstore.client.KeyValue;
import kvstore.client.KvClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvstore get KEY}: prints the value as JSON. */
@Command(name = "get", description = "Print a key's value as JSON (exit 1 when it is absent).")
final class GetCommand extends ClientCommand {
    @Parameters(paramLabel = "KEY", description = "The key.")
    String key;

    @Option(names = "--full", description = "Print the key, value, revisions and TTL left as one JSON object.")
    boolean full;

    @Override
    int run(KvClient client) {
        KeyValue kv = client.get(key);
        out().println(full ? Printed.keyValue(kv) : kv.valueJson());
        return ExitStatus.OK;
    }
}
