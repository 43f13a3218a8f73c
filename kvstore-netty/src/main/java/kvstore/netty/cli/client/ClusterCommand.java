package kvstore.netty.cli.client;

import kvstore.client.ClusterStatus;
import kvstore.client.KvClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvstore cluster status|add|remove|leader}: a cluster's membership and leadership. */
@Command(name = "cluster", synopsisSubcommandLabel = "(status | add | remove | leader)",
        description = "Show or change a cluster's members and leader.",
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Add.class, ClusterCommand.Remove.class,
            ClusterCommand.Leader.class})
final class ClusterCommand {
    /** {@code cluster status}: the answering member's view. */
    @Command(name = "status", description = "Print the member's view of the cluster: role, leader, term, indexes, members.")
    static final class Status extends ClientCommand {
        @Override
        int run(KvClient client) {
            out().println(Printed.text(client.admin().clusterStatus().json()));
            return ExitStatus.OK;
        }
    }

    /** {@code cluster add ID --http H:P --raft H:P}. */
    @Command(name = "add", description = {"Add a member, started first with --node-id ID and --join <a member's HTTP address>;",
        "prints the new cluster document once the membership is committed."})
    static final class Add extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The new member's id.")
        String id;

        @Option(names = "--http", required = true, paramLabel = "HOST:PORT", description = "Its HTTP address.")
        String http;

        @Option(names = "--raft", required = true, paramLabel = "HOST:PORT", description = "Its replication address.")
        String raft;

        @Override
        int run(KvClient client) {
            out().println(Printed.text(client.admin().addMember(id, http, raft).json()));
            return ExitStatus.OK;
        }
    }

    /** {@code cluster remove ID}. */
    @Command(name = "remove", description = "Remove a member (a leader hands over first); exit 4 for the last one.")
    static final class Remove extends ClientCommand {
        @Parameters(paramLabel = "ID", description = "The member's id.")
        String id;

        @Override
        int run(KvClient client) {
            out().println(Printed.text(client.admin().removeMember(id)));
            return ExitStatus.OK;
        }
    }

    /** {@code cluster leader [ID]}: print the leader, or move leadership to ID. */
    @Command(name = "leader", description = "Print the leader's id, or with ID move the leadership to that member.")
    static final class Leader extends ClientCommand {
        @Parameters(arity = "0..1", paramLabel = "ID", description = "The member to lead.")
        String id;

        @Override
        int run(KvClient client) {
            if (id != null) {
                out().println(Printed.text(client.admin().transferLeadership(id)));
                return ExitStatus.OK;
            }
            ClusterStatus status = client.admin().clusterStatus();
            if (status.leader().isEmpty()) {
                return fail(ExitStatus.UNAVAILABLE, status.nodeId() + " knows no leader now");
            }
            out().println(status.leader().get());
            return ExitStatus.OK;
        }
    }
}
