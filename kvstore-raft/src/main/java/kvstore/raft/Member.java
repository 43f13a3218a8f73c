package kvstore.raft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One member of the cluster as {@code --peers} names it: {@code id=host:httpPort:raftPort}.
 *
 * @param id the member's name, also its Raft peer id
 * @param host where both its HTTP and its Raft ports listen
 */
public record Member(String id, String host, int httpPort, int raftPort) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** {@code host:httpPort}, as {@code GET /cluster} shows it. */
    public String httpAddress() {
        return host + ":" + httpPort;
    }

    /** {@code host:raftPort}, the member's Raft (gRPC) address. */
    public String raftAddress() {
        return host + ":" + raftPort;
    }

    /**
     * Parses a {@code --peers} value: comma-separated {@code id=host:httpPort:raftPort}, ids unique.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static List<Member> parseAll(String peers) {
        List<Member> members = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String part : peers.split(",", -1)) {
            Member m = parse(part.trim());
            if (!ids.add(m.id())) {
                throw new IllegalArgumentException("member id '" + m.id() + "' appears twice");
            }
            members.add(m);
        }
        return List.copyOf(members);
    }

    private static Member parse(String spec) {
        int eq = spec.indexOf('=');
        String[] address = eq < 0 ? new String[0] : spec.substring(eq + 1).split(":", -1);
        if (eq < 0 || address.length != 3 || address[0].isEmpty()) {
            throw new IllegalArgumentException("'" + spec + "' is not id=host:httpPort:raftPort");
        }
        String id = spec.substring(0, eq);
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + id + "' is not a member id (letters, digits, '_', '.', '-')");
        }
        return new Member(id, address[0], port(spec, address[1]), port(spec, address[2]));
    }

    private static int port(String spec, String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + text + "' in '" + spec + "' is not a port (1 to 65535)");
    }
}
