package kvstore.netty.cli.client;

import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * The command-line client: subcommands of {@code kvstore} that talk to a running server through kvstore-client
 * ({@code get}, {@code put}, {@code delete}, {@code list}, {@code watch}, {@code batch}, {@code backup},
 * {@code compact}, {@code cluster ...}), and {@code completion}, which prints a bash/zsh completion script.
 */
public final class ClientCommands {
    private ClientCommands() {
    }

    /** Adds the subcommands to the server's command line; without one, it still starts the server. */
    public static void addTo(CommandLine kvstore) {
        for (Object command : new Object[] {new GetCommand(), new PutCommand(), new DeleteCommand(), new ListCommand(),
            new WatchCommand(), new BatchCommand(), new BackupCommand(), new CompactCommand(), new ClusterCommand()}) {
            kvstore.addSubcommand(command);
        }
        CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().description(
                "Print a bash/zsh completion script for kvstore: source <(java -jar kvstore.jar completion)");
        kvstore.addSubcommand("completion", completion);
        kvstore.getCommandSpec().usageMessage()
                .commandListHeading("%nClient commands (talk to a running server; without one, kvstore serves):%n")
                .exitCodeListHeading("%nExit status of the client commands:%n")
                .exitCodeList(ExitStatus.HELP);
    }
}
