package kvstore.netty.cli.client;

import kvstore.client.KvClient;
import picocli.CommandLine.Command;

/** {@code kvstore compact}: starts a compaction of the log now. */
@Command(name = "compact", description = "Start a compaction of the log now (exit 4 when one is running already).")
final class CompactCommand extends ClientCommand {
    @Override
    int run(KvClient client) {
        client.admin().compact();
        out().println("{\"compaction\":\"started\"}");
        return ExitStatus.OK;
    }
}
