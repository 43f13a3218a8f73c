package kvstore.netty.cli.client;

import kvstore.client.DeleteResult;
import kvstore.client.KvClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvstore delete KEY}: removes a key, optionally only at a revision. */
@Command(name = "delete", description = "Delete a key and print {\"key\",\"deleted\",\"revision\"} (exit 1 when it is absent).")
final class DeleteCommand extends ClientCommand {
    @Parameters(paramLabel = "KEY", description = "The key.")
    String key;

    @Option(names = "--if-revision", paramLabel = "REV",
            description = "Only when the key's mod_revision is REV: exit 3 when it changed.")
    Long ifRevision;

    @Override
    int run(KvClient client) {
        DeleteResult result = ifRevision == null ? client.delete(key) : client.deleteIfRevision(key, ifRevision);
        out().println(Printed.text(Printed.object().put("key", result.key()).put("deleted", true)
                .put("revision", result.revision())));
        return ExitStatus.OK;
    }
}
