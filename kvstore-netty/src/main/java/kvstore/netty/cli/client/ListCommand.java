package kvstore.netty.cli.client;

import kvstore.client.KvClient;
import kvstore.client.KvClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.stream.Stream;

/** {@code kvstore list}: keys one per line, or keys with values as JSON lines, fetched a page at a time. */
@Command(name = "list", description = {"Print the keys under a prefix, one per line (or with their values).",
    "Keys come in UTF-8 byte order, fetched a page at a time; with --values each is a JSON object."})
final class ListCommand extends ClientCommand {
    private static final int PAGE = 1000;

    @Option(names = "--prefix", defaultValue = "", paramLabel = "PREFIX", description = "Only keys starting with PREFIX.")
    String prefix;

    @Option(names = "--limit", paramLabel = "N", description = "At most N keys.")
    Long limit;

    @Option(names = "--values", description = "Print {\"key\",\"value\",\"create_revision\",\"mod_revision\",\"version\",\"ttl\"?} per key.")
    boolean values;

    @Override
    KvClientBuilder configure(KvClientBuilder builder) {
        return limit != null && limit > 0 && limit < PAGE ? builder.pageSize(limit.intValue()) : builder.pageSize(PAGE);
    }

    @Override
    int run(KvClient client) {
        if (limit != null && limit < 1) {
            throw new UsageException("--limit: " + limit + " is not a positive number of keys");
        }
        Stream<String> lines = values ? client.entries(prefix).stream().map(Printed::keyValue)
                : client.keys(prefix).stream();
        PrintWriter out = out();
        (limit == null ? lines : lines.limit(limit)).forEach(out::println);
        return ExitStatus.OK;
    }
}
