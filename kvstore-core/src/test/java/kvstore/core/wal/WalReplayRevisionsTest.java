package kvstore.core.wal;

import kvstore.core.CorruptLogException;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static kvstore.core.wal.WalReplayTest.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Replay and revisions: version 2 logs carry them, version 1 logs (kvstore's old ones, other writers') count them. */
class WalReplayRevisionsTest {
    private static final long TS = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final WalEncoder encoder = new WalEncoder();
    private final Store store = new Store();

    @Test
    void shouldTakeRevisionsFromTheLogAndStartAtItsVersionMark() throws IOException {
        byte[] log = concat(encoder.encodeVersionMark(40),
                unit(List.of(set("a", "1")), 41),
                unit(List.of(set("b", "1"), set("a", "2")), 42),
                encoder.encodeExpire(utf8("b"), TS, 43),
                unit(List.of(set("a", "3")), 44));

        WalReplay.Result result = replay(log);

        assertEquals(2, result.version());
        assertEquals(44, store.revision());
        assertFigures("a", 41, 44, 3);
        assertNull(store.get(utf8("b"), TS));
    }

    @Test
    void shouldRaiseTheRevisionToAMarkWhoseDeletesLeftNoKeys() throws IOException {
        replay(concat(encoder.encodeVersionMark(1_000), unit(List.of(set("a", "1")), 1_001)));

        assertEquals(1_001, store.revision());
        assertFigures("a", 1_001, 1_001, 1);
    }

    @Test
    void shouldCountRevisionsInLogOrderInAVersion1LogOfThisKvstore() throws IOException {
        byte[] log = concat(
                encoder.encode(List.of(set("a", "1")), TS),
                encoder.encode(List.of(new Op.Delete(utf8("missing"))), TS),
                encoder.encode(List.of(set("b", "1"), set("c", "1")), TS),
                encoder.encode(List.of(set("a", "2")), TS),
                encoder.encode(List.of(new Op.Set(utf8("t"), utf8("1"), TS + 10)), TS),
                encoder.encode(List.of(set("t", "2")), TS + 20),
                encoder.encode(List.of(new Op.Delete(utf8("b"))), TS + 20));

        WalReplay.Result result = replay(log);

        assertEquals(1, result.version());
        assertEquals(6, store.revision(), "no revision for the delete of a missing key; one for the batch");
        assertFigures("a", 1, 3, 2);
        assertFigures("c", 2, 2, 1);
        assertFigures("t", 5, 5, 1); // its earlier value had expired by the time of the second set
    }

    @Test
    void shouldCountRevisionsOfALogWrittenByAnotherImplementation() throws IOException {
        String foreign = """
                {"op":"set","key":"x","value":{"n":1},"timestamp":1700000000}
                {"op": "begin", "count": 2, "timestamp": 1700000001.5}
                {"op": "set", "key": "x", "value": 2, "timestamp": 1700000001.5}
                {"op": "delete", "key": "y", "timestamp": 1700000001.5}
                {"op": "commit", "count": 2, "timestamp": 1700000001.5}
                {"timestamp": 1700000002, "key": "y", "value": null, "op": "set"}
                """;

        replay(utf8(foreign));

        assertEquals(3, store.revision());
        assertFigures("x", 1, 2, 2);
        assertFigures("y", 3, 3, 1);
    }

    @Test
    void shouldGoOnWithRevisionsAfterAVersionMarkThatRaisesAVersion1Log() throws IOException {
        byte[] log = concat(
                encoder.encode(List.of(set("a", "1")), TS),
                encoder.encode(List.of(set("a", "2")), TS),
                encoder.encodeVersionMark(2),
                unit(List.of(set("a", "3")), 3));

        WalReplay.Result result = replay(log);

        assertEquals(2, result.version());
        assertFigures("a", 1, 3, 3);
    }

    @Test
    void shouldTreatALaterVersion1MarkAsDamage() throws IOException {
        Path file = write(concat(encoder.encode(List.of(set("a", "1")), TS), utf8("{\"op\":\"format\",\"version\":1}\n"),
                encoder.encode(List.of(set("b", "1")), TS)));

        CorruptLogException e = assertThrows(CorruptLogException.class,
                () -> WalReplay.replay(file, false, unit -> unit.applyTo(store)));

        assertEquals(2, e.line());
    }

    @Test
    void shouldReportTheHighestRevisionAmongTheLinesARepairCuts() throws IOException {
        byte[] damaged = unit(List.of(set("b", "1")), 2);
        damaged[damaged.length - 20] ^= 1;
        Path file = write(concat(encoder.encodeVersionMark(0), unit(List.of(set("a", "1")), 1), damaged,
                unit(List.of(set("c", "1")), 3), unit(List.of(set("d", "1"), set("e", "1")), 4)));

        WalReplay.Result result = WalReplay.replay(file, true, unit -> unit.applyTo(store));

        assertEquals(4, result.highestCutRevision());
        assertEquals(1, store.revision());
    }

    private WalReplay.Result replay(byte[] log) throws IOException {
        return WalReplay.replay(write(log), false, unit -> unit.applyTo(store));
    }

    private void assertFigures(String key, long create, long mod, long version) {
        Entry e = store.get(utf8(key), Long.MIN_VALUE);
        assertEquals(List.of(create, mod, version), List.of(e.createRevision(), e.modRevision(), e.version()), key);
    }

    /** The lines of {@code ops} as the engine encodes them and the log worker finishes them as {@code revision}. */
    private byte[] unit(List<Op> ops, long revision) {
        UnitLines lines = encoder.encodeUnit(ops, TS);
        return concat(lines.head(), encoder.finish(lines.head(), revision), lines.tail());
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve(WalFormat.FILE_NAME);
        Files.write(file, bytes);
        return file;
    }

    private static Op.Set set(String key, String json) {
        return new Op.Set(utf8(key), utf8(json), Entry.NEVER);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
