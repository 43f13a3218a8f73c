package kvstore.netty.cli.client;

import kvstore.client.KvClient;
import kvstore.client.KvClientBuilder;
import kvstore.client.KvException;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * What every client subcommand shares: the connection options, a client made from them, and the failure policy of
 * the command line: one line on stderr ({@code kvstore: ...}) and the exit status {@link ExitStatus} gives it,
 * never a stack trace.
 */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Does the command's work with {@code client}; returns its exit status. */
    abstract int run(KvClient client) throws IOException, InterruptedException;

    /** Adjusts the client's settings for this command (a page size, say). */
    KvClientBuilder configure(KvClientBuilder builder) {
        return builder;
    }

    @Override
    public final Integer call() throws InterruptedException {
        KvClient client;
        try {
            client = connection.client(this::configure);
        } catch (IllegalArgumentException e) {
            return fail(ExitStatus.USAGE, e.getMessage());
        }
        try (client) {
            return run(client);
        } catch (KvException e) {
            return fail(ExitStatus.of(e), e.getMessage());
        } catch (UsageException | IllegalArgumentException e) {
            return fail(ExitStatus.USAGE, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            return fail(ExitStatus.FAILED, e.getMessage());
        }
    }

    /** Prints one line on stderr and returns {@code status}. */
    final int fail(int status, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("kvstore: " + message.replace('\n', ' '));
        err.flush();
        return status;
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** A bad argument found while the command runs (a batch operation, an unreadable input file). */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
