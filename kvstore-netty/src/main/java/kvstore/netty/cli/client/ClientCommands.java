package kvstore.netty.cli.client;

import picocli.AutoComplete;
import picocli.CommandLine;

import java.util.Set;

/**
 * The command-line client: subcommands of {@code kvstore} that talk to a running server through kvstore-client
 * ({@code get}, {@code put}, {@code delete}, {@code list}, {@code watch}, {@code batch}, {@code backup},
 * {@code compact}, {@code cluster ...}), and {@code completion}, which prints a bash/zsh completion script.
 */
public final class ClientCommands {
    private static final String COMPLETION = "completion";
    private static final Set<String> HELP_FLAGS = Set.of("-h", "--help", "-V", "--version");

    private ClientCommands() {
    }

    /** Adds the subcommands to the server's command line; without one, it still starts the server. */
    public static void addTo(CommandLine kvstore) {
        for (Object command : commands()) {
            kvstore.addSubcommand(command);
        }
        CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().description(
                "Print a bash/zsh completion script for kvstore: source <(java -jar kvstore.jar completion)");
        kvstore.addSubcommand(COMPLETION, completion);
        kvstore.getCommandSpec().usageMessage()
                .commandListHeading("%nClient commands (talk to a running server; without one, kvstore serves):%n")
                .exitCodeListHeading("%nExit status of the client commands:%n")
                .exitCodeList(ExitStatus.HELP);
    }

    /**
     * Whether a command line may run or show the subcommands: any but a server's start, which has no arguments or
     * options only, none of them help. So a subcommand, help and a mistyped word find them all.
     */
    public static boolean wantedBy(String[] args) {
        if (args.length == 0) {
            return false; // a server with every default
        }
        if (!args[0].startsWith("-")) {
            return true; // a subcommand, or a word refused with the names it may have meant
        }
        for (String arg : args) {
            if (HELP_FLAGS.contains(arg) || isName(arg)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isName(String word) {
        if (COMPLETION.equals(word)) {
            return true;
        }
        for (Object command : commands()) {
            if (command.getClass().getAnnotation(CommandLine.Command.class).name().equals(word)) {
                return true;
            }
        }
        return false;
    }

    private static Object[] commands() {
        return new Object[] {new GetCommand(), new PutCommand(), new DeleteCommand(), new ListCommand(),
            new WatchCommand(), new BatchCommand(), new BackupCommand(), new CompactCommand(), new ClusterCommand()};
    }
}
