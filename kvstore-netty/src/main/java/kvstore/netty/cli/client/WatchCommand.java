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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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

    @Option(names = "--count", paramLabel = "N", description = "Exit 0 after N changes (default: run until Ctrl-C).")
    Long count;

    @Option(names = "--progress", description = "Also print {\"type\":\"progress\",\"revision\":r} when the server reports progress.")
    boolean progress;

    @Override
    int run(KvClient client) throws InterruptedException {
        if (count != null && count < 1) {
            throw new UsageException("--count: " + count + " is not a positive number of changes");
        }
        PrintWriter out = out();
        AtomicInteger status = new AtomicInteger(ExitStatus.OK);
        CountDownLatch over = new CountDownLatch(1);
        long most = count == null ? Long.MAX_VALUE : count;
        AtomicLong printed = new AtomicLong();
        WatchListener listener = new WatchListener() {
            @Override
            public void onEvent(WatchEvent event) {
                if (printed.get() < most) {
                    out.println(Printed.event(event));
                    if (printed.incrementAndGet() == most) {
                        over.countDown();
                    }
                }
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
                over.countDown();
            }

            @Override
            public void onReconnecting(KvException cause) {
                spec.commandLine().getErr().println("kvstore: watch: " + cause.getMessage() + "; connecting again");
            }

            @Override
            public void onFailed(KvException error) {
                status.set(fail(ExitStatus.of(error), error.getMessage()));
                over.countDown();
            }
        };
        try (Watch watch = selection.key != null ? client.watchKey(selection.key, from, listener)
                : client.watch(selection.prefix, from, listener)) {
            over.await(); // until --count changes, the watch's end, or Ctrl-C ending the process
        }
        return status.get();
    }
}
