package kvstore.netty.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One run of the jar's command line ({@link Main#commandLine(String[])}, as {@code main} runs it) in this JVM: its exit
 * status and what it printed, for the tests of the server's options and of the client subcommands.
 */
public record CliRun(int exit, String out, String err) {
    /** Runs {@code kvstore <args>}. */
    public static CliRun of(String... args) {
        CommandLine cli = Main.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
