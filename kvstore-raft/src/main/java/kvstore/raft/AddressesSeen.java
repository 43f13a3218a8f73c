package kvstore.raft;

import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.protocol.RaftPeer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The raft address at which this member first saw each member id, since it started: in the founding list, the
 * configuration it started from, and every configuration it applied. Ratis keeps a member's connection to a peer by
 * id, to the address it first had, for as long as the member runs; so a member id that comes back at another
 * address is never reached by a member that saw it before, and the change would wait out its bound and be
 * called off. {@link Membership} refuses such an addition at once instead.
 *
 * <p>Threads: written by the start and by Ratis's apply thread, read by the membership thread.
 */
final class AddressesSeen {
    private final Map<String, String> first = new ConcurrentHashMap<>();

    void saw(RaftPeer peer) {
        first.putIfAbsent(peer.getId().toString(), peer.getAddress());
    }

    void saw(RaftConfigurationProto configuration) {
        configuration.getPeersList().forEach(this::saw);
        configuration.getOldPeersList().forEach(this::saw);
        configuration.getListenersList().forEach(this::saw);
        configuration.getOldListenersList().forEach(this::saw);
    }

    private void saw(RaftPeerProto peer) {
        first.putIfAbsent(peer.getId().toStringUtf8(), peer.getAddress());
    }

    /** The raft address {@code id} first had here, or null when this member never saw it. */
    String firstAddressOf(String id) {
        return first.get(id);
    }
}
