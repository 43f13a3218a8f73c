package kvstore.raft;

import kvstore.core.cluster.ClusterStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemberTest {
    @Test
    void shouldParseEveryMemberOfPeers() {
        List<Member> members = Member.parseAll("n1=127.0.0.1:7001:7101, n2=localhost:7002:7102");
        assertEquals(List.of(new Member("n1", "127.0.0.1", 7001, 7101), new Member("n2", "localhost", 7002, 7102)),
                members);
        assertEquals("localhost:7002", members.get(1).httpAddress());
        assertEquals("localhost:7102", members.get(1).raftAddress());
    }

    @Test
    void shouldRejectMalformedPeersWithAMessageNamingThePart() {
        assertTrue(message("n1=127.0.0.1:7001").contains("'n1=127.0.0.1:7001'"));
        assertTrue(message("127.0.0.1:7001:7101").contains("id=host:httpPort:raftPort"));
        assertTrue(message("n1=h:0:7101").contains("'0'"));
        assertTrue(message("n1=h:x:7101").contains("'x'"));
        assertTrue(message("n/1=h:1:2").contains("'n/1'"));
        assertTrue(message("n1=h:1:2,n1=h:3:4").contains("twice"));
        assertTrue(message("n1=h:1:2,").contains("''"));
    }

    @Test
    void shouldCarryBothAddressesThroughTheLogsPeerRecord() {
        Member member = new Member("n4", "127.0.0.1", 7004, 7104);
        assertEquals(new ClusterStatus.Member("n4", "127.0.0.1:7004", "127.0.0.1:7104"), Member.shown(member.peer()));
        assertEquals("127.0.0.1:7104", member.peer().getAddress());
    }

    @Test
    void shouldTakeAMemberOfARequestOnlyWithAnIdAndTwoAddressesOnOneHost() {
        assertEquals(new Member("n4", "h", 1, 2), Member.of("n4", "h:1", "h:2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Member.of("n/4", "h:1", "h:2")).getMessage()
                .contains("'n/4'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Member.of("n4", "h", "h:2")).getMessage()
                .contains("host:port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Member.of("n4", "h:1", "g:2")).getMessage()
                .contains("one host"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Member.of("n4", "h:1", "h:70000")).getMessage()
                .contains("'70000'"));
    }

    private static String message(String peers) {
        return assertThrows(IllegalArgumentException.class, () -> Member.parseAll(peers)).getMessage();
    }
}
