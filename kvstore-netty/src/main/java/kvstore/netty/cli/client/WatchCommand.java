package kvstore.netty.cli.client;

import kvstore.client.KvClient;
import kvstore.client.KvException;
import kvstore.client.Watch;
import kvstore.client.WatchEvent;
import kvstore.client.WatchListener;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code kvstore watch}: prints each change as a JSON line until interrupted (Ctrl-C), reconnecting through lost
 * connections, restarts and failovers without losing or repeating a change.
 */
@Command(name = "watch", description = {"Print each change as a JSON line until Ctrl-C.",
    "Lines are shaped as the server's events: {\"type\":\"put\"|\"delete\"|\"expire\",\"key\",\"value\"?,",
    "\"revision\",...}. Lost connections are resumed where they left off; exit 4 when the server's",
    "history no longer reaches back that far."})
final class WatchCommand extends ClientCommand {
    @ArgGroup(exclusive = true)
    Selection selection = new Selection();

    /** A prefix or one key. */
    static final class Selection {
        @Option(names = "--prefix", paramLabel = "PREFIX", description = "Keys starting with PREFIX (default: every key).")
        String prefix = "";

        @Option(names = "--key", paramLabel = "KEY", description = "Only this key.")
        String key;
    }

    @Option(names = "--from", paramLabel = "REV", description = "Start at revision REV (default: changes from now on).")
    long from;

    @Option(names = "--progress", description = "Also print {\"type\":\"progress\",\"revision\":r} when the server reports progress.")
    boolean progress;

    @Override
    int run(KvClient client) throws InterruptedException {
        PrintWriter out = out();
        AtomicInteger status = new AtomicInteger(ExitStatus.OK);
        WatchListener listener = new WatchListener() {
            @Override
            public void onEvent(WatchEvent event) {
                out.println(Printed.event(event));
            }

            @Override
            public void onProgress(long revision) {
                if (progress) {
                    out.println(Printed.text(Printed.object().put("type", "progress").put("revision", revision)));
                }
            }

            @Override
            public void onCompacted(long compactRevision) {
                status.set(fail(ExitStatus.FAILED, "the server's history starts at revision " + compactRevision
                        + ", after the next one this watch needs: list again and watch from the listing's revision + 1"));
            }

            @Override
            public void onReconnecting(KvException cause) {
                spec.commandLine().getErr().println("kvstore: watch: " + cause.getMessage() + "; connecting again");
            }

            @Override
            public void onFailed(KvException error) {
                status.set(fail(ExitStatus.of(error), error.getMessage()));
            }
        };
        try (Watch watch = selection.key != null ? client.watchKey(selection.key, from, listener)
                : client.watch(selection.prefix, from, listener)) {
            while (!watch.awaitEnd(Duration.ofDays(1))) {
                // until Ctrl-C ends the process, or the watch ends
            }
        }
        return status.get();
    }
}
