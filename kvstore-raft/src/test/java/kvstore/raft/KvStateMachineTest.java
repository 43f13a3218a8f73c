package kvstore.raft;

import kvstore.core.store.ChangeListener;
import kvstore.core.store.Condition;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;
import kvstore.core.time.EpochClock;
import kvstore.core.time.NanoClock;
import kvstore.core.wal.WalFormat;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvStateMachineTest {
    private static final long T0 = 1_764_000_000_000L;

    @TempDir
    Path dir;
    private final List<RaftStorage> storages = new ArrayList<>();
    /** Why each state machine opened here asked its member to stop. */
    private final List<String> stops = new ArrayList<>();
    private long nextIndex = 1;

    @AfterEach
    void closeStorages() throws IOException {
        for (RaftStorage s : storages) {
            s.close();
        }
        storages.clear();
    }

    @Test
    void shouldApplyWritesInOrderAndReportWhatEachFound() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        assertFalse(apply(sm, List.of(set("k", "1", Entry.NEVER)), T0).get(0).existed());
        assertTrue(apply(sm, List.of(set("k", "2", Entry.NEVER)), T0 + 1).get(0).existed());
        assertEquals("2", value(sm, "k", T0 + 2));
        assertTrue(apply(sm, List.of(new Op.Delete(bytes("k"))), T0 + 3).get(0).existed());
        assertNull(sm.store().get(bytes("k"), T0 + 4));
        assertEquals(nextIndex - 1, sm.getLastAppliedTermIndex().getIndex());
    }

    @Test
    void shouldApplyABatchWholeWithItsReadsInPlace() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        apply(sm, List.of(set("a", "1", Entry.NEVER)), T0);
        List<OpResult> results = apply(sm, List.of(
                new Op.Get(bytes("a")),
                set("a", "\"x\"", Entry.NEVER),
                new Op.Get(bytes("a")),
                new Op.Delete(bytes("a")),
                new Op.Get(bytes("a")),
                set("b", "[1,2]", Entry.NEVER)), T0 + 1);
        assertEquals(6, results.size());
        assertArrayEquals(bytes("1"), results.get(0).value());
        assertTrue(results.get(1).existed());
        assertArrayEquals(bytes("\"x\""), results.get(2).value());
        assertTrue(results.get(3).existed());
        assertFalse(results.get(4).existed());
        assertFalse(results.get(5).existed());
        assertNull(sm.store().get(bytes("a"), T0 + 2));
        assertEquals("[1,2]", value(sm, "b", T0 + 2));
    }

    @Test
    void shouldComputeExpiryFromTheEntrysTimestampNotTheApplyingMembersClock() throws Exception {
        // Two members applying the same entry at different local times agree on what it found and its deadline.
        KvStateMachine first = open(dir.resolve("a"));
        KvStateMachine second = open(dir.resolve("b"));
        List<Op> write = List.of(set("k", "1", T0 + 1_500));
        byte[] entry = entryOf(write, T0);
        nextIndex = 1;
        applyEntry(first, entry);
        nextIndex = 1;
        applyEntry(second, entry);
        assertEquals(T0 + 1_500, first.store().get(bytes("k"), T0).deadlineMillis());
        assertEquals(T0 + 1_500, second.store().get(bytes("k"), T0).deadlineMillis());
        assertNull(first.store().get(bytes("k"), T0 + 1_500));
        // An overwrite stamped after the deadline finds nothing live, on every member.
        List<OpResult> later = apply(first, List.of(set("k", "2", Entry.NEVER)), T0 + 2_000);
        assertFalse(later.get(0).existed());
    }

    @Test
    void shouldApplyEachWriteOfAnEntryOnItsOwnWithItsOwnResults() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        byte[] entry = WalCodec.encodeEntry(T0, List.of(
                WalCodec.encode(List.of(set("a", "1", Entry.NEVER)), T0),
                WalCodec.encode(List.of(set("a", "2", Entry.NEVER), new Op.Get(bytes("a"))), T0),
                WalCodec.encode(List.of(new Op.Delete(bytes("b"))), T0)));
        List<Outcome> results = applyEntryOfMany(sm, entry);
        assertEquals(3, results.size());
        assertFalse(results.get(0).results().get(0).existed());
        assertTrue(results.get(1).results().get(0).existed());
        assertEquals("2", new String(results.get(1).results().get(1).value(), StandardCharsets.UTF_8));
        assertFalse(results.get(2).results().get(0).existed());
        assertEquals(List.of(1L, 2L, 2L), results.stream().map(Outcome::revision).toList(),
                "each write its revision; the delete of a missing key none");
        assertEquals(1, sm.getLastAppliedTermIndex().getIndex());
    }

    @Test
    void shouldStampAWriteWithTheLeadersClockAndCountItsTtlFromThere() throws Exception {
        KvStateMachine leader = open(dir.resolve("a"), () -> T0 + 5_000);
        // The member that took the request stamped it T0, with a deadline 1.5 s later.
        WalCodec.Write stamped = stampedByLeader(leader, List.of(set("k", "1", T0 + 1_500), set("p", "2", Entry.NEVER)), T0);
        assertEquals(T0 + 5_000, stamped.timestampMillis());
        assertEquals(T0 + 6_500, ((Op.Set) stamped.ops().get(0)).deadlineMillis());
        assertEquals(Entry.NEVER, ((Op.Set) stamped.ops().get(1)).deadlineMillis());
    }

    @Test
    void shouldNeverStampAWriteBeforeWhatWasAlreadyApplied() throws Exception {
        // A new leader whose clock is behind the old one's: its stamps start where the log's time stands.
        KvStateMachine leader = open(dir.resolve("a"), () -> T0);
        apply(leader, List.of(set("k", "1", Entry.NEVER)), T0 + 60_000);
        assertEquals(T0 + 60_000, stampedByLeader(leader, List.of(set("j", "1", Entry.NEVER)), T0).timestampMillis());
    }

    @Test
    void shouldRemoveExpiredEntriesAtTheLogsTimeOnEveryMember() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        apply(sm, List.of(set("short", "1", T0 + 10), set("long", "1", T0 + 60_000)), T0);
        assertEquals(2, sm.store().totals().keys());
        apply(sm, List.of(set("other", "1", Entry.NEVER)), T0 + 20);
        // Three written, the short one gone from memory (not only hidden from reads), whatever the local clock says.
        assertEquals(2, sm.store().totals().keys());
        assertNull(sm.store().get(bytes("short"), T0));
    }

    @Test
    void shouldStopTheMemberOnAnEntryItCannotDecodeRatherThanSkipIt() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        apply(sm, List.of(set("k", "1", Entry.NEVER)), T0);
        TransactionContext trx = transaction(sm, "\u0001not a write".getBytes(StandardCharsets.UTF_8));

        IllegalStateException stopped = assertThrows(IllegalStateException.class, () -> sm.applyTransaction(trx));

        assertEquals(List.of(stopped.getMessage()), stops);
        assertTrue(stopped.getMessage().startsWith("entry 2 cannot be applied"), stopped.getMessage());
        assertTrue(stopped.getMessage().endsWith(KvStateMachine.REMEDY), stopped.getMessage());
        assertEquals(1, sm.getLastAppliedTermIndex().getIndex(), "nothing applied past the entry");
        assertEquals(1, sm.store().revision());
    }

    @Test
    void shouldStopTheMemberOnAnEntryOfANewerFormat() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        byte[] entry = entryOf(List.of(set("k", "1", Entry.NEVER)), T0);
        entry[0] = WalCodec.ENTRY_VERSION + 1;

        IllegalStateException stopped = assertThrows(IllegalStateException.class,
                () -> sm.applyTransaction(transaction(sm, entry)));

        assertTrue(stopped.getMessage().contains("entry format version 2 is newer than this kvstore's (1)"),
                stopped.getMessage());
        assertEquals(1, stops.size());
        assertNull(sm.store().get(bytes("k"), T0));
    }

    @Test
    void shouldRefuseAnUndecodableEntryOnTheLeaderBeforeItIsLogged() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        TransactionContext trx = sm.startTransaction(request("\u0001not a write".getBytes(StandardCharsets.UTF_8)));
        assertNotNull(trx.getException());
        assertTrue(stops.isEmpty());
    }

    @Test
    void shouldReloadFromASnapshotTheSameLiveStateWithDeadlines() throws Exception {
        Path a = dir.resolve("a");
        KvStateMachine sm = open(a);
        apply(sm, List.of(set("p", "{\"n\":1}", Entry.NEVER), set("t", "\"ttl\"", T0 + 60_000)), T0);
        apply(sm, List.of(set("gone", "1", T0 + 10)), T0 + 1);
        apply(sm, List.of(set("d", "1", Entry.NEVER)), T0 + 2);
        apply(sm, List.of(new Op.Delete(bytes("d"))), T0 + 100);
        long index = snapshot(sm);
        assertEquals(nextIndex - 1, index);
        try (Stream<Path> files = Files.list(a.resolve("sm"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("snapshot.1_" + index, "snapshot.1_" + index + ".md5"), names);
        }
        String text = Files.readString(a.resolve("sm").resolve("snapshot.1_" + index));
        assertEquals(3, text.lines().count(), text); // the version mark, then one line per live key

        KvStateMachine reloaded = reopen(a);
        assertEquals(index, reloaded.getLastAppliedTermIndex().getIndex());
        assertEquals(contents(sm, T0 + 100), contents(reloaded, T0 + 100));
        assertEquals(T0 + 60_000, reloaded.store().get(bytes("t"), T0 + 100).deadlineMillis());
        assertNull(reloaded.store().get(bytes("t"), T0 + 60_000));
    }

    @Test
    void shouldTellRatisOfEachSnapshotOnceForItLogsAndPurgesAtEachIndexItIsTold() throws Exception {
        Path a = dir.resolve("a");
        KvStateMachine sm = open(a);
        apply(sm, List.of(set("k", "1", Entry.NEVER)), T0);
        long index = snapshot(sm);
        assertEquals(index, sm.takeSnapshot(), "a snapshot written since Ratis last asked");
        apply(sm, List.of(set("k", "2", Entry.NEVER)), T0 + 1);
        assertEquals(RaftLog.INVALID_LOG_INDEX, sm.takeSnapshot(), "the next one is not on disk yet");
        long next = snapshot(sm);
        assertEquals(next, sm.takeSnapshot(), "the next one once written");
        assertEquals(RaftLog.INVALID_LOG_INDEX, sm.takeSnapshot());
        assertEquals(RaftLog.INVALID_LOG_INDEX, reopen(a).takeSnapshot(), "the one a member starts from");
    }

    @Test
    void shouldRememberTheFirstRaftAddressOfEveryMemberInTheConfigurationsItApplies() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        sm.notifyConfigurationChanged(1, 1, RaftConfigurationProto.newBuilder()
                .addPeers(peer("n1", "127.0.0.1:1")).addOldPeers(peer("n2", "127.0.0.1:2")).build());
        sm.notifyConfigurationChanged(1, 2, RaftConfigurationProto.newBuilder()
                .addPeers(peer("n1", "127.0.0.1:1")).addPeers(peer("n2", "127.0.0.1:9")).build());
        assertEquals("127.0.0.1:1", sm.addressesSeen().firstAddressOf("n1"));
        assertEquals("127.0.0.1:2", sm.addressesSeen().firstAddressOf("n2"), "where Ratis keeps reaching it");
        assertNull(sm.addressesSeen().firstAddressOf("n3"));
    }

    private static RaftPeerProto peer(String id, String address) {
        return RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(id)).setAddress(address).build();
    }

    @Test
    void shouldWriteASnapshotBesideTheApplyThreadThatHoldsExactlyTheStateAtItsIndex() throws Exception {
        Path a = dir.resolve("a");
        KvStateMachine sm = open(a);
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            entries.add(entryOf(List.of(set("k" + i, "{\"n\":" + i + "}", i % 3 == 0 ? T0 + 50_000 : Entry.NEVER)),
                    T0 + i));
            applyEntryOfMany(sm, entries.get(i));
        }
        long startedAt = sm.getLastAppliedTermIndex().getIndex();
        java.util.concurrent.CompletableFuture<Long> written = sm.snapshotNow();
        int i = 0;
        while (!written.isDone() || i < 10) {
            // Writes go on while the snapshot is written: overwrites, deletes, and new keys.
            List<Op> ops = i % 4 == 0 ? List.of(new Op.Delete(bytes("k" + (i * 7 % 3000))))
                    : List.of(set("k" + (i * 13 % 4000), "[" + i + "]", Entry.NEVER));
            entries.add(entryOf(ops, T0 + 3000 + i));
            applyEntryOfMany(sm, entries.get(entries.size() - 1));
            i++;
        }
        long index = written.get();
        assertTrue(index >= startedAt, index + " < " + startedAt);

        KvStateMachine replayed = open(dir.resolve("b"));
        for (int e = 0; e < index; e++) {
            applyEntryOfMany(replayed, entries.get(e));
        }
        KvStateMachine loaded = reopen(a);
        assertEquals(index, loaded.getLastAppliedTermIndex().getIndex());
        assertEquals(contents(replayed, T0), contents(loaded, T0));
    }

    @Test
    void shouldRefuseASnapshotWhoseChecksumDoesNotMatchNamingTheFileAndTheRemedy() throws Exception {
        Path a = dir.resolve("a");
        Path file = damagedSnapshot(a).file();
        IOException refused = assertThrows(IOException.class, () -> reopen(a));
        assertTrue(refused.getMessage().startsWith("snapshot " + file + " cannot be loaded"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith(KvStateMachine.REMEDY), refused.getMessage());
    }

    @Test
    void shouldRefuseASnapshotOfANewerFormat() throws Exception {
        Path a = dir.resolve("a");
        KvStateMachine sm = open(a);
        apply(sm, List.of(set("k", "1", Entry.NEVER)), T0);
        long index = snapshot(sm);
        Path file = a.resolve("sm").resolve("snapshot.1_" + index);
        Files.delete(a.resolve("sm").resolve("snapshot.1_" + index + ".md5"));
        String text = Files.readString(file);
        String mark = "{\"op\":\"format\",\"version\":" + (WalFormat.VERSION + 1) + ",\"revision\":1";
        CRC32C crc = new CRC32C();
        crc.update(bytes(mark + "}"));
        Files.writeString(file, mark + String.format(",\"crc\":\"%08x\"}%n", crc.getValue())
                + text.substring(text.indexOf('\n') + 1));
        IOException refused = assertThrows(IOException.class, () -> reopen(a));
        assertTrue(refused.getMessage().contains("newer kvstore"), refused.getMessage());
        assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
    }

    @Test
    void shouldStopTheMemberWhenASnapshotTheLeaderInstalledCannotBeLoaded() throws Exception {
        KvStateMachine sm = damagedSnapshot(dir.resolve("a")).stateMachine();
        assertThrows(IOException.class, sm::reinitialize);
        assertEquals(1, stops.size());
    }

    @Test
    void shouldCountTheSameRevisionsOnEveryMemberThatAppliesTheSameEntries() throws Exception {
        List<byte[]> entries = List.of(
                entryOf(List.of(set("a", "1", Entry.NEVER)), T0),
                entryOf(List.of(set("b", "1", Entry.NEVER), new Op.Delete(bytes("a")), new Op.Get(bytes("b"))), T0 + 1),
                entryOf(List.of(new Op.Delete(bytes("missing"))), T0 + 2),
                entryOf(List.of(set("t", "1", T0 + 50), set("u", "1", T0 + 40)), T0 + 3),
                WalCodec.encodeEntry(T0 + 60, List.of()),
                entryOf(List.of(new Op.Check(bytes("b"), new Condition.ModRevision(1)), set("b", "2", Entry.NEVER)),
                        T0 + 61),
                entryOf(List.of(new Op.Check(bytes("b"), new Condition.ModRevision(2)), set("b", "3", Entry.NEVER)),
                        T0 + 62));
        KvStateMachine first = open(dir.resolve("a"));
        KvStateMachine second = open(dir.resolve("b"));
        List<List<Long>> revisions = new ArrayList<>();
        for (KvStateMachine sm : List.of(first, second)) {
            nextIndex = 1;
            List<Long> seen = new ArrayList<>();
            for (byte[] entry : entries) {
                for (Outcome outcome : applyEntryOfMany(sm, entry)) {
                    seen.add(outcome.isRefused() ? -outcome.revision() : outcome.revision());
                }
            }
            revisions.add(seen);
        }

        // The empty entry expired u then t (deadline order), revisions 4 and 5; the first check failed at 5.
        assertEquals(List.of(1L, 2L, 2L, 3L, -5L, 6L), revisions.get(0));
        assertEquals(revisions.get(0), revisions.get(1));
        assertEquals(contents(first, T0 + 100), contents(second, T0 + 100));
        assertEquals(6, first.store().revision());
        Entry b = first.store().get(bytes("b"), T0 + 100);
        assertEquals(List.of(2L, 6L, 2L), List.of(b.createRevision(), b.modRevision(), b.version()));
    }

    @Test
    void shouldDecideChecksWhereTheEntryIsAppliedAndSendTheRefusalBack() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        apply(sm, List.of(set("k", "{\"n\":1}", Entry.NEVER)), T0);

        Outcome refused = applyEntryOfMany(sm, entryOf(List.of(set("other", "1", Entry.NEVER),
                new Op.Check(bytes("k"), new Condition.ValueEquals(bytes("{\"n\":2}")))), T0 + 1)).get(0);
        Outcome held = applyEntryOfMany(sm, entryOf(List.of(new Op.Check(bytes("k"), new Condition.ValueEquals(
                bytes("{\"n\":1.0}"))), new Op.Check(bytes("new"), new Condition.Exists(false)),
                set("new", "1", Entry.NEVER)), T0 + 2)).get(0);

        assertTrue(refused.isRefused());
        assertEquals(1, refused.refusal().index());
        assertEquals("k", new String(refused.refusal().key(), StandardCharsets.UTF_8));
        assertEquals(1, refused.refusal().modRevision());
        assertNull(sm.store().get(bytes("other"), T0 + 5), "nothing of a refused write is applied");
        assertFalse(held.isRefused());
        assertEquals(2, held.revision());
    }

    @Test
    void shouldExpireADueKeyAtTheEntrysStampBeforeTheWriteThatMeetsIt() throws Exception {
        KvStateMachine sm = open(dir.resolve("a"));
        apply(sm, List.of(set("k", "1", T0 + 10)), T0);

        Outcome write = applyEntryOfMany(sm, entryOf(List.of(set("k", "2", Entry.NEVER)), T0 + 10)).get(0);

        assertFalse(write.results().get(0).existed(), "the old value expired first: the write creates the key");
        assertEquals(3, write.revision(), "the expiry took revision 2");
        assertEquals(3, sm.store().get(bytes("k"), T0 + 10).createRevision());
    }

    @Test
    void shouldKeepRevisionsFiguresAndDueKeysThroughASnapshot() throws Exception {
        Path a = dir.resolve("a");
        KvStateMachine sm = open(a);
        KvStateMachine other = open(dir.resolve("b"));
        List<byte[]> entries = List.of(entryOf(List.of(set("p", "1", Entry.NEVER)), T0),
                entryOf(List.of(set("p", "2", Entry.NEVER), set("q", "1", Entry.NEVER)), T0 + 1),
                entryOf(List.of(new Op.Delete(bytes("q"))), T0 + 2),
                entryOf(List.of(set("due", "1", T0 + 2)), T0 + 2));
        for (KvStateMachine member : List.of(sm, other)) {
            nextIndex = 1;
            for (byte[] entry : entries) {
                applyEntry(member, entry);
            }
        }
        snapshot(sm);
        String text = Files.readString(a.resolve("sm").resolve("snapshot.1_" + (nextIndex - 1)));
        assertTrue(text.startsWith("{\"op\":\"format\",\"version\":2,\"revision\":4,"), text);

        KvStateMachine reloaded = reopen(a);
        assertEquals(contents(other, Long.MIN_VALUE), contents(reloaded, Long.MIN_VALUE), "the due key included");
        byte[] later = WalCodec.encodeEntry(T0 + 5, List.of());
        long index = nextIndex;
        applyEntryOfMany(reloaded, later);
        nextIndex = index;
        applyEntryOfMany(other, later);
        assertEquals(5, reloaded.store().revision(), "its expiry counted alike on the member that loaded the snapshot");
        assertEquals(contents(other, T0 + 5), contents(reloaded, T0 + 5));
    }

    @Test
    void shouldRoundTripChecksThroughTheEntryCodec() {
        List<Op> ops = List.of(new Op.Check(bytes("a"), new Condition.ModRevision(42)), new Op.Get(bytes("b")),
                set("c", "1", Entry.NEVER), new Op.Check(bytes("d"), new Condition.Exists(false)),
                new Op.Check(bytes("e"), new Condition.ValueEquals(bytes("[1,{\"x\":null}]"))),
                new Op.Delete(bytes("f")));

        WalCodec.Write decoded = WalCodec.decode(WalCodec.encode(ops, T0));

        assertEquals(describe(ops), describe(decoded.ops()));
        assertEquals(((Op.Check) ops.get(0)).condition(), ((Op.Check) decoded.ops().get(0)).condition());
        assertEquals(((Op.Check) ops.get(3)).condition(), ((Op.Check) decoded.ops().get(3)).condition());
        assertEquals("[1,{\"x\":null}]", new String(((Condition.ValueEquals) ((Op.Check) decoded.ops().get(4))
                .condition()).json(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldRoundTripEntriesThroughTheCodec() {
        List<Op> ops = List.of(new Op.Get(bytes("x")), set("é/\"q\"", "{\"a\":[1,null]}", T0 + 1_001),
                new Op.Get(bytes("y")), new Op.Delete(bytes("z")), new Op.Get(bytes("w")));
        WalCodec.Write write = WalCodec.decode(WalCodec.encode(ops, T0));
        assertEquals(T0, write.timestampMillis());
        assertEquals(describe(ops), describe(write.ops()));
        assertThrows(IllegalArgumentException.class, () -> WalCodec.decode(new byte[] {1, 2, 3}));

        byte[] entry = WalCodec.encodeEntry(T0, List.of(WalCodec.encode(ops, T0), WalCodec.encode(ops, T0 + 1)));
        WalCodec.EntryWrites stamped = WalCodec.decodeEntry(WalCodec.restamp(entry, T0 + 7));
        assertEquals(T0 + 7, stamped.stampMillis());
        assertEquals(T0 + 1, stamped.writes().get(1).timestampMillis());
        assertEquals(describe(ops), describe(stamped.writes().get(0).ops()));
        assertThrows(IllegalArgumentException.class, () -> WalCodec.decodeEntry(new byte[] {1, 2, 3}));
    }

    @Test
    void shouldReadAnEntryFromBeforeTheVersionByteAsVersionZero() {
        List<Op> ops = List.of(set("k", "1", T0 + 5_000), new Op.Get(bytes("k")));
        byte[] current = WalCodec.encodeEntry(T0, List.of(WalCodec.encode(ops, T0)));
        assertEquals(WalCodec.ENTRY_VERSION, current[0]);
        byte[] legacy = java.util.Arrays.copyOfRange(current, 1, current.length);

        WalCodec.EntryWrites read = WalCodec.decodeEntry(legacy);
        assertEquals(T0, read.stampMillis());
        assertEquals(describe(ops), describe(read.writes().get(0).ops()));
        assertEquals(T0 + 9, WalCodec.decodeEntry(WalCodec.restamp(legacy, T0 + 9)).stampMillis());
        assertEquals(legacy.length, WalCodec.restamp(legacy, T0 + 9).length, "a legacy entry stays legacy");
    }

    @Test
    void shouldRoundTripResultsAndReadRepliesFromBeforeTheVersionByte() {
        List<Outcome> outcomes = List.of(
                Outcome.applied(7, List.of(new OpResult(true, bytes("\"v\""), 3, 7, 2), new OpResult(false, null, 0, 0, 0))),
                Outcome.refused(7, 1, bytes("c"), 5));
        byte[] reply = Results.encode(outcomes);
        assertEquals(Results.VERSION, reply[0]);
        for (byte[] bytes : List.of(reply, java.util.Arrays.copyOfRange(reply, 1, reply.length))) {
            List<Outcome> read = Results.decode(java.nio.ByteBuffer.wrap(bytes));
            assertEquals(7, read.get(0).revision());
            assertEquals("\"v\"", new String(read.get(0).results().get(0).value(), StandardCharsets.UTF_8));
            assertEquals(2, read.get(0).results().get(0).version());
            assertFalse(read.get(0).results().get(1).existed());
            assertTrue(read.get(1).isRefused());
            assertEquals(5, read.get(1).refusal().modRevision());
        }
        reply[0] = Results.VERSION + 1;
        assertThrows(WalCodec.NewerFormatException.class, () -> Results.decode(java.nio.ByteBuffer.wrap(reply)));
    }

    private List<OpResult> apply(KvStateMachine sm, List<Op> ops, long timestamp) throws Exception {
        return applyEntry(sm, entryOf(ops, timestamp));
    }

    /** An entry of one write, as the leader stamped it. */
    private static byte[] entryOf(List<Op> ops, long timestamp) {
        return WalCodec.encodeEntry(timestamp, List.of(WalCodec.encode(ops, timestamp)));
    }

    private List<OpResult> applyEntry(KvStateMachine sm, byte[] entry) throws Exception {
        List<Outcome> results = applyEntryOfMany(sm, entry);
        assertEquals(1, results.size());
        return results.get(0).results();
    }

    private List<Outcome> applyEntryOfMany(KvStateMachine sm, byte[] entry) throws Exception {
        return Results.decode(sm.applyTransaction(transaction(sm, entry)).get().getContent().asReadOnlyByteBuffer());
    }

    private TransactionContext transaction(KvStateMachine sm, byte[] data) {
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(nextIndex++)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data)))
                .build();
        return TransactionContext.newBuilder().setStateMachine(sm).setServerRole(RaftPeerRole.FOLLOWER)
                .setLogEntry(entry).build();
    }

    /** Opens {@code storageDir} again, as a restarted member would, once the storages open so far are closed. */
    private KvStateMachine reopen(Path storageDir) throws IOException {
        closeStorages();
        return open(storageDir);
    }

    /** What {@code leader} appends for a write its member stamped {@code timestamp}. */
    private static WalCodec.Write stampedByLeader(KvStateMachine leader, List<Op> ops, long timestamp)
            throws IOException {
        TransactionContext trx = leader.startTransaction(request(entryOf(ops, timestamp)));
        assertNull(trx.getException());
        WalCodec.EntryWrites entry = WalCodec.decodeEntry(trx.getStateMachineLogEntry().getLogData().toByteArray());
        return entry.writes().get(0).stampedAt(entry.stampMillis());
    }

    private record Damaged(KvStateMachine stateMachine, Path file) {
    }

    /** A state machine on {@code storageDir} whose one snapshot no longer matches its MD5. */
    private Damaged damagedSnapshot(Path storageDir) throws Exception {
        KvStateMachine sm = open(storageDir);
        apply(sm, List.of(set("k", "1", Entry.NEVER)), T0);
        Path file = storageDir.resolve("sm").resolve("snapshot.1_" + snapshot(sm));
        Files.writeString(file, Files.readString(file).replace("\"k\"", "\"j\""));
        return new Damaged(sm, file);
    }

    /** A snapshot of everything applied, written beside the apply thread; its index. */
    private static long snapshot(KvStateMachine sm) throws Exception {
        return sm.snapshotNow().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static RaftClientRequest request(byte[] entry) {
        return RaftClientRequest.newBuilder()
                .setClientId(ClientId.randomId())
                .setServerId(RaftPeerId.valueOf("test"))
                .setGroupId(RaftEngine.GROUP_ID)
                .setCallId(1)
                .setMessage(Message.valueOf(ByteString.copyFrom(entry)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
    }

    private KvStateMachine open(Path storageDir) throws IOException {
        return open(storageDir, () -> T0);
    }

    private KvStateMachine open(Path storageDir, EpochClock clock) throws IOException {
        RaftStorage storage = RaftStorage.newBuilder().setDirectory(storageDir.toFile())
                .setOption(RaftStorage.StartupOption.RECOVER)
                .setStorageFreeSpaceMin(SizeInBytes.ONE_MB)
                .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
                .build();
        storage.initialize();
        storages.add(storage);
        KvStateMachine sm = new KvStateMachine(clock, ChangeListener.NONE, stops::add, 1, NanoClock.SYSTEM);
        sm.initialize(serverNamed("test"), RaftEngine.GROUP_ID, storage);
        return sm;
    }

    /** A stand-in for the server, which the state machine asks only for its id (in log lines). */
    private static RaftServer serverNamed(String id) {
        return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(), new Class<?>[] {RaftServer.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getId" -> RaftPeerId.valueOf(id);
                    case "toString" -> id;
                    default -> throw new AssertionError("the state machine asked the server for " + method.getName());
                });
    }

    private static TreeMap<String, String> contents(KvStateMachine sm, long now) {
        TreeMap<String, String> map = new TreeMap<>();
        sm.store().forEachLive(now, (k, e) -> map.put(new String(k, StandardCharsets.UTF_8),
                new String(e.value(), StandardCharsets.UTF_8) + "@" + e.deadlineMillis() + " c" + e.createRevision()
                        + " m" + e.modRevision() + " v" + e.version()));
        map.put("(revision)", Long.toString(sm.store().revision()));
        return map;
    }

    private static List<String> describe(List<Op> ops) {
        return ops.stream().map(op -> op.getClass().getSimpleName() + ":" + new String(op.key(), StandardCharsets.UTF_8)
                + (op instanceof Op.Set s ? "=" + new String(s.value(), StandardCharsets.UTF_8)
                + "@" + s.deadlineMillis() : "")).toList();
    }

    private static String value(KvStateMachine sm, String key, long now) {
        Entry e = sm.store().get(bytes(key), now);
        assertNotNull(e, key);
        return new String(e.value(), StandardCharsets.UTF_8);
    }

    private static Op.Set set(String key, String json, long deadline) {
        return new Op.Set(bytes(key), bytes(json), deadline);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
