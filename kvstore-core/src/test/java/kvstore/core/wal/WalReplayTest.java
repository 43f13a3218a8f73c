package kvstore.core.wal;

import kvstore.core.CorruptLogException;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalReplayTest {
    private static final long TS = 1_700_000_000_000L;
    private static final long NOW = TS + 60_000;

    @TempDir
    Path dir;

    private final WalEncoder encoder = new WalEncoder();
    private final Store store = new Store();
    private final List<List<Op>> applied = new ArrayList<>();

    @Test
    void shouldTreatMissingFileAsEmptyLog() throws IOException {
        Path file = dir.resolve("wal.log");

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(0, 0, 0, 0, null, WalFormat.VERSION, 0), result);
        assertFalse(Files.exists(file));
    }

    @Test
    void shouldReplayWritesInOrder() throws IOException {
        byte[] log = concat(set("a", "1"), set("b", "2"), delete("a"), set("b", "3"));
        Path file = write(log);

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(4, log.length, 0, 0, null, 1, 0), result);
        assertNull(store.get(utf8("a"), NOW));
        assertEquals("3", value("b"));
        assertEquals(4, applied.size());
        assertArrayEquals(log, Files.readAllBytes(file), "a healthy log is left untouched");
    }

    @Test
    void shouldCutTornLastLine() throws IOException {
        byte[] good = concat(set("a", "1"), set("b", "2"));
        byte[] torn = Arrays.copyOf(set("c", "3"), 30);
        Path file = write(concat(good, torn));

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(2, good.length, torn.length, 0, null, 1, 0), result);
        assertArrayEquals(good, Files.readAllBytes(file));
        assertNull(store.get(utf8("c"), NOW));
        assertEquals("2", value("b"));
    }

    @Test
    void shouldCutLastLineWithBadChecksum() throws IOException {
        byte[] good = set("a", "1");
        byte[] last = set("b", "12345");
        last[last.length - 30] ^= 1;
        Path file = write(concat(good, last));

        WalReplay.Result result = replay(file, false);

        assertEquals(last.length, result.cutBytes());
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void shouldCutTrailingNulBytes() throws IOException {
        byte[] good = concat(set("a", "1"), set("b", "2"));
        Path file = write(concat(good, new byte[4096]));

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(2, good.length, 4096, 0, null, 1, 0), result);
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void shouldCutTornLineFollowedByNulBytes() throws IOException {
        byte[] good = set("a", "1");
        byte[] torn = Arrays.copyOf(set("b", "2"), 20);
        Path file = write(concat(good, torn, new byte[100], utf8("\n"), new byte[10]));

        WalReplay.Result result = replay(file, false);

        assertEquals(good.length, result.bytes());
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void shouldReplayTheSameAfterTheTailWasCut() throws IOException {
        byte[] good = concat(set("a", "1"), set("b", "2"));
        Path file = write(concat(good, Arrays.copyOf(set("c", "3"), 30)));
        replay(file, false);

        WalReplay.Result again = WalReplay.replay(file, false, unit -> { });

        assertEquals(new WalReplay.Result(2, good.length, 0, 0, null, 1, 0), again);
    }

    @Test
    void shouldStopAtDamagedMiddleLineNamingFileLineAndOffset() throws IOException {
        byte[] first = set("a", "1");
        byte[] second = set("b", "2");
        byte[] damaged = set("c", "333");
        damaged[damaged.length - 40] ^= 0x04;
        byte[] after = set("d", "4");
        byte[] log = concat(first, second, damaged, after);
        Path file = write(log);

        CorruptLogException e = assertRefusedAtLine(3, file);

        assertEquals(file, e.file());
        assertEquals(first.length + second.length, e.offset());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + (first.length + second.length)), e.getMessage());
        assertArrayEquals(log, Files.readAllBytes(file), "nothing is cut without repair");
        assertNull(store.get(utf8("d"), NOW));
    }

    @Test
    void shouldStopAtGarbageLineFollowedByGoodData() throws IOException {
        assertRefusedAtLine(2, write(concat(set("a", "1"), utf8("garbage\n"), set("b", "2"))));
    }

    @Test
    void shouldCountBlankLinesInLineNumbers() throws IOException {
        assertRefusedAtLine(4, write(concat(set("a", "1"), utf8("\n  \n"), utf8("{oops}\n"), set("b", "2"))));
    }

    @Test
    void shouldRepairBySavingBrokenCopyAndCuttingAtTheBadLine() throws IOException {
        byte[] good = concat(set("a", "1"), set("b", "2"));
        byte[] damaged = set("c", "3");
        damaged[15] ^= 0x20;
        byte[] log = concat(good, damaged, set("d", "4"), set("e", "5"));
        Path file = write(log);

        WalReplay.Result result = replay(file, true);

        assertEquals(2, result.records());
        assertEquals(good.length, result.bytes());
        assertEquals(log.length - good.length, result.cutBytes());
        assertEquals(3, result.droppedRecords());
        assertNotNull(result.brokenCopy());
        assertEquals(dir, result.brokenCopy().getParent());
        assertTrue(result.brokenCopy().getFileName().toString().startsWith("wal.log.broken-"));
        assertArrayEquals(log, Files.readAllBytes(result.brokenCopy()), "the copy keeps the original bytes");
        assertArrayEquals(good, Files.readAllBytes(file));
        assertNull(store.get(utf8("d"), NOW));
        assertEquals("2", value("b"));
    }

    @Test
    void shouldCountAnUnterminatedLastLineAmongDroppedRecords() throws IOException {
        byte[] good = set("a", "1");
        byte[] tail = set("e", "5");
        byte[] log = concat(good, utf8("bad\n"), Arrays.copyOf(tail, tail.length - 1));
        Path file = write(log);

        WalReplay.Result result = replay(file, true);

        assertEquals(2, result.droppedRecords());
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void shouldNotSaveCopyWhenRepairFindsOnlyATornTail() throws IOException {
        byte[] good = set("a", "1");
        Path file = write(concat(good, utf8("{\"op\":\"se")));

        WalReplay.Result result = replay(file, true);

        assertNull(result.brokenCopy());
        assertEquals(0, result.droppedRecords());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void shouldApplyCompleteBatchAsOneGroup() throws IOException {
        byte[] batch = encoder.encode(List.of(set("a", "1", Entry.NEVER), new Op.Delete(utf8("x")),
                set("b", "2", Entry.NEVER)), TS);
        Path file = write(concat(set("x", "0"), batch));

        WalReplay.Result result = replay(file, false);

        assertEquals(4, result.records());
        assertEquals(2, applied.size());
        assertEquals(3, applied.get(1).size());
        assertEquals("1", value("a"));
        assertEquals("2", value("b"));
        assertNull(store.get(utf8("x"), NOW));
    }

    @Test
    void shouldCutBatchWithoutCommitAtTheEnd() throws IOException {
        byte[] good = set("a", "1");
        byte[] batch = encoder.encode(List.of(set("b", "2", Entry.NEVER), set("c", "3", Entry.NEVER)), TS);
        byte[] withoutCommit = Arrays.copyOf(batch, lastLineStart(batch));
        Path file = write(concat(good, withoutCommit));

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(1, good.length, withoutCommit.length, 0, null, 1, 0), result);
        assertNull(store.get(utf8("b"), NOW));
        assertNull(store.get(utf8("c"), NOW));
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void shouldCutBatchWhoseCommitIsTorn() throws IOException {
        byte[] good = set("a", "1");
        byte[] batch = encoder.encode(List.of(set("b", "2", Entry.NEVER), set("c", "3", Entry.NEVER)), TS);
        byte[] torn = Arrays.copyOf(batch, batch.length - 5);
        Path file = write(concat(good, torn));

        WalReplay.Result result = replay(file, false);

        assertEquals(good.length, result.bytes());
        assertNull(store.get(utf8("b"), NOW));
        assertArrayEquals(good, Files.readAllBytes(file));
    }

    @Test
    void shouldStopAtDamagedLineInsideBatchFollowedByData() throws IOException {
        byte[] good = set("a", "1");
        byte[] batch = encoder.encode(List.of(set("b", "2", Entry.NEVER), set("c", "3", Entry.NEVER)), TS);
        int secondLine = indexOfLine(batch, 1);
        batch[secondLine + 5] ^= 0x01;
        Path file = write(concat(good, batch, set("d", "4")));

        assertRefusedAtLine(3, file);

        WalReplay.Result repaired = replay(file, true);
        assertEquals(good.length, repaired.bytes(), "repair cuts at the start of the damaged batch");
        assertNull(store.get(utf8("b"), NOW));
    }

    @Test
    void shouldRejectBatchWithWrongCount() throws IOException {
        byte[] begin = utf8("{\"op\":\"begin\",\"count\":3}\n");
        byte[] commit = utf8("{\"op\":\"commit\",\"count\":2}\n");
        assertRefusedAtLine(4, write(concat(begin, set("b", "2"), set("c", "3"), commit, set("d", "4"))));

        assertNull(store.get(utf8("b"), NOW));
    }

    @Test
    void shouldRejectNestedBatch() throws IOException {
        byte[] begin = utf8("{\"op\":\"begin\",\"count\":2}\n");
        assertRefusedAtLine(2, write(concat(begin, begin, set("d", "4"), set("e", "4"))));
    }

    @Test
    void shouldRejectCommitWithoutBegin() throws IOException {
        assertRefusedAtLine(2, write(concat(set("a", "1"), utf8("{\"op\":\"commit\",\"count\":2}\n"), set("d", "4"))));
    }

    @Test
    void shouldKeepValidUnterminatedLastLineAndAppendNewline() throws IOException {
        byte[] good = set("a", "1");
        byte[] last = set("b", "2");
        byte[] unterminated = Arrays.copyOf(last, last.length - 1);
        Path file = write(concat(good, unterminated));

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(2, good.length + last.length, 0, 0, null, 1, 0), result);
        assertArrayEquals(concat(good, last), Files.readAllBytes(file));
        assertEquals("2", value("b"));
    }

    @Test
    void shouldKeepLogReplayableWhenAppendingAfterUnterminatedLastLine() throws IOException {
        byte[] last = set("b", "2");
        Path file = write(Arrays.copyOf(last, last.length - 1));
        replay(file, false);

        Files.write(file, set("c", "3"), java.nio.file.StandardOpenOption.APPEND);
        Store again = new Store();
        WalReplay.Result result = WalReplay.replay(file, false, unit -> unit.applyTo(again));

        assertEquals(2, result.records());
        assertNotNull(again.get(utf8("c"), NOW));
    }

    @Test
    void shouldKeepLogReplayableWhenAppendingAfterWhitespaceTail() throws IOException {
        // A log whose last bytes are blank but unterminated: the next record must still verify once appended.
        Path file = write(concat(set("a", "1"), utf8("  ")));
        WalReplay.Result first = replay(file, false);

        Files.write(file, set("c", "3"), java.nio.file.StandardOpenOption.APPEND);
        Files.write(file, set("d", "4"), java.nio.file.StandardOpenOption.APPEND);
        Store again = new Store();
        WalReplay.Result second = WalReplay.replay(file, false, unit -> unit.applyTo(again));

        assertEquals(1, first.records());
        assertEquals(3, second.records());
        assertNotNull(again.get(utf8("c"), NOW));
        assertNotNull(again.get(utf8("d"), NOW));
    }

    @Test
    void shouldAcceptBlankLinesAndForeignCrlfLines() throws IOException {
        byte[] log = concat(utf8("\n"), set("a", "1"), utf8("  \t\r\n"),
                utf8("{\"op\":\"set\",\"key\":\"f\",\"value\":[1],\"timestamp\":1700000000}\r\n"), set("b", "2"));
        Path file = write(log);

        WalReplay.Result result = replay(file, false);

        assertEquals(new WalReplay.Result(3, log.length, 0, 0, null, 1, 0), result);
        assertEquals("[1]", value("f"));
    }

    @Test
    void shouldReplayLogWrittenByAnotherImplementation() throws IOException {
        String foreign = "{\"op\":\"set\",\"key\":\"user:1\",\"value\":{\"name\":\"Ann\",\"n\":12345678901234567890123},\"ttl\":null,\"timestamp\":1700000000.5}\n"
                + "{\"op\":\"set\",\"key\":\"session\",\"value\":\"s\",\"ttl\":120,\"timestamp\":1700000000}\n"
                + "{\"op\":\"set\",\"key\":\"old\",\"value\":1,\"ttl\":1.5,\"timestamp\":1700000000.25}\n"
                + "{\"op\":\"delete\",\"key\":\"user:2\",\"timestamp\":1700000001}\n";
        Path file = write(utf8(foreign));

        replay(file, false);

        assertEquals("{\"name\":\"Ann\",\"n\":12345678901234567890123}", value("user:1"));
        assertEquals(Entry.NEVER, store.get(utf8("user:1"), NOW).deadlineMillis());
        assertEquals(TS + 120_000, store.get(utf8("session"), NOW).deadlineMillis());
        assertNull(store.get(utf8("old"), NOW));
    }

    @Test
    void shouldComputeDeadlinesFromTimestampPlusTtl() throws IOException {
        byte[] log = concat(
                encoder.encode(List.of(set("live", "1", TS + 120_000)), TS),
                encoder.encode(List.of(set("k", "1", Entry.NEVER)), TS),
                encoder.encode(List.of(set("k", "2", TS + 1_500)), TS));
        Path file = write(log);

        WalReplay.Result result = replay(file, false);

        assertEquals(3, result.records());
        assertEquals(TS + 120_000, store.get(utf8("live"), NOW).deadlineMillis());
        assertNull(store.get(utf8("k"), NOW), "a key whose ttl ran out while the server was down is gone");
        assertEquals(1, store.totals(NOW).keys());
    }

    @Test
    void shouldReplayLinesLargerThanTheReadChunkAndManyChunks() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String big = "\"" + "v".repeat(5 << 20) + "\"";
        out.write(set("big", big));
        for (int i = 0; i < 60_000; i++) {
            out.write(set("k" + i, Integer.toString(i)));
        }
        out.write(set("big2", big));
        Path file = write(out.toByteArray());

        WalReplay.Result result = replay(file, false);

        assertEquals(60_002, result.records());
        assertEquals(out.size(), result.bytes());
        assertEquals("59999", value("k59999"));
        assertEquals(big.length(), store.get(utf8("big2"), NOW).value().length);
        assertEquals(60_002, store.totals().keys());
    }

    @Test
    void shouldFindLineEndsAtEveryAlignment() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> keys = new ArrayList<>();
        for (int length = 1; length <= 70; length++) {
            // \u00ca is C3 8A in UTF-8: 0x8A differs from a newline only in its top bit.
            String key = ("\u00ca" + "k".repeat(length)).substring(0, length);
            keys.add(key);
            out.write(set(key, "1"));
            out.write(utf8("\n".repeat(length % 3)));
        }
        Path file = write(out.toByteArray());

        WalReplay.Result result = replay(file, false);

        assertEquals(70, result.records());
        assertEquals(0, result.cutBytes());
        for (String key : keys) {
            assertNotNull(store.get(utf8(key), NOW), key);
        }
    }

    @Test
    void shouldHaveAppliedEverythingWhenReplayReturns() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 20_000; i++) {
            out.write(set("k" + i, Integer.toString(i)));
        }
        Path file = write(out.toByteArray());
        AtomicInteger applied = new AtomicInteger();

        WalReplay.replay(file, false, unit -> applied.incrementAndGet());

        assertEquals(20_000, applied.get());
    }

    @Test
    void shouldFailReplayWhenApplyingFails() throws IOException {
        Path file = write(concat(set("a", "1"), set("b", "2"), set("c", "3")));
        IllegalStateException boom = new IllegalStateException("boom");

        assertSame(boom, assertThrows(IllegalStateException.class, () -> WalReplay.replay(file, false, unit -> {
            if (new String(unit.ops().get(0).key(), StandardCharsets.UTF_8).equals("b")) {
                throw boom;
            }
        })));
    }

    @Test
    void shouldNotReportSuccessWhenApplyingDiesOfAnError() throws IOException {
        Path file = write(concat(set("a", "1"), set("b", "2"), set("c", "3")));
        AtomicInteger applied = new AtomicInteger();

        assertThrows(OutOfMemoryError.class, () -> WalReplay.replay(file, false, unit -> {
            if (applied.incrementAndGet() == 2) {
                throw new OutOfMemoryError("simulated: Java heap space");
            }
        }), "replay returned normally although the store misses writes");
    }

    private WalReplay.Result replay(Path file, boolean repair) throws IOException {
        return WalReplay.replay(file, repair, unit -> {
            applied.add(unit.ops());
            unit.applyTo(store);
        });
    }

    /** Replays file without repair and asserts that it is refused at line (1-based); returns the refusal. */
    private CorruptLogException assertRefusedAtLine(int line, Path file) {
        CorruptLogException e = assertThrows(CorruptLogException.class, () -> replay(file, false));
        assertEquals(line, e.line(), e.getMessage());
        return e;
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve(WalFormat.FILE_NAME);
        Files.write(file, bytes);
        return file;
    }

    private String value(String key) {
        Entry e = store.get(utf8(key), NOW);
        assertNotNull(e, key);
        return new String(e.value(), StandardCharsets.UTF_8);
    }

    private byte[] set(String key, String json) {
        return encoder.encode(List.of(set(key, json, Entry.NEVER)), TS);
    }

    private byte[] delete(String key) {
        return encoder.encode(List.of(new Op.Delete(utf8(key))), TS);
    }

    private static Op.Set set(String key, String json, long deadline) {
        return new Op.Set(utf8(key), utf8(json), deadline);
    }

    private static int lastLineStart(byte[] lines) {
        for (int i = lines.length - 2; i >= 0; i--) {
            if (lines[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    private static int indexOfLine(byte[] lines, int n) {
        int at = 0;
        for (int seen = 0; seen < n; at++) {
            if (lines[at] == '\n') {
                seen++;
            }
        }
        return at;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
