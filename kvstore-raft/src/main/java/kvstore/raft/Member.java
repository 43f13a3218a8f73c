package kvstore.raft;

import kvstore.core.cluster.ClusterStatus;
import org.apache.ratis.protocol.RaftPeer;

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
     * This member as Ratis records it in a configuration entry of the log. Ratis's peer has no field for an
     * application's own address, so the HTTP address rides in its data-stream address: kvstore runs no data
     * streams, and so the membership in the log carries both addresses of every member.
     */
    RaftPeer peer() {
        return RaftPeer.newBuilder().setId(id).setAddress(raftAddress()).setDataStreamAddress(httpAddress()).build();
    }

    /** A member as {@code GET /cluster} shows it, from a peer of the log's membership (see {@link #peer}). */
    static ClusterStatus.Member shown(RaftPeer peer) {
        String http = peer.getDataStreamAddress();
        return new ClusterStatus.Member(peer.getId().toString(), http == null ? "" : http, peer.getAddress());
    }

    /**
     * A member from the addresses a membership request names, {@code host:port} each on the same host.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static Member of(String id, String httpAddress, String raftAddress) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + id + "' is not a member id (letters, digits, '_', '.', '-')");
        }
        String[] http = hostAndPort(httpAddress, "http");
        String[] raft = hostAndPort(raftAddress, "raft");
        if (!http[0].equals(raft[0])) {
            throw new IllegalArgumentException("http and raft name different hosts (" + http[0] + ", " + raft[0]
                    + "): a member listens on one host");
        }
        return new Member(id, http[0], port(httpAddress, http[1]), port(raftAddress, raft[1]));
    }

    private static String[] hostAndPort(String address, String field) {
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(field + " '" + address + "' is not host:port");
        }
        return new String[] {address.substring(0, colon), address.substring(colon + 1)};
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
