package kvstore.core.wal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalEncoderTest {
    private static final long TS = 1_700_000_000_123L;
    private static final Pattern CRC_SUFFIX = Pattern.compile(",\"crc\":\"([0-9a-f]{8})\"}$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WalEncoder encoder = new WalEncoder();

    @Test
    void shouldEncodeSetWithoutTtl() {
        String line = encodeOne(new Op.Set(utf8("k"), utf8("{\"a\":[1,true,null]}"), Entry.NEVER));

        assertEquals("{\"op\":\"set\",\"key\":\"k\",\"value\":{\"a\":[1,true,null]},\"timestamp\":1700000000.123}",
                withoutCrc(line));
        assertFalse(line.contains("ttl"));
    }

    @Test
    void shouldEncodeTtlAsSecondsUntilDeadline() {
        assertEquals("1.5", field(encodeOne(setWithDeadline(TS + 1_500)), "ttl"));
        assertEquals("2", field(encodeOne(setWithDeadline(TS + 2_000)), "ttl"));
        assertEquals("0.001", field(encodeOne(setWithDeadline(TS + 1)), "ttl"));
        assertEquals("0.01", field(encodeOne(setWithDeadline(TS + 10)), "ttl"));
        assertEquals("1.01", field(encodeOne(setWithDeadline(TS + 1_010)), "ttl"));
        assertEquals("86400.999", field(encodeOne(setWithDeadline(TS + 86_400_999)), "ttl"));
    }

    @Test
    void shouldEncodePassedDeadlineAsZeroTtl() {
        assertEquals("0", field(encodeOne(setWithDeadline(TS - 5_000)), "ttl"));
    }

    @Test
    void shouldEncodeTimestampAsEpochSecondsWithMillisFraction() {
        assertEquals("1700000000.123", field(encode(List.of(new Op.Delete(utf8("k"))), TS), "timestamp"));
        assertEquals("1700000000", field(encode(List.of(new Op.Delete(utf8("k"))), 1_700_000_000_000L), "timestamp"));
        assertEquals("1700000000.05", field(encode(List.of(new Op.Delete(utf8("k"))), 1_700_000_000_050L), "timestamp"));
        assertEquals("0.007", field(encode(List.of(new Op.Delete(utf8("k"))), 7), "timestamp"));
    }

    @Test
    void shouldEncodeDelete() {
        String line = encodeOne(new Op.Delete(utf8("gone")));

        assertEquals("{\"op\":\"delete\",\"key\":\"gone\",\"timestamp\":1700000000.123}", withoutCrc(line));
    }

    @Test
    void shouldQuoteKeysNeedingEscapes() throws Exception {
        String key = "q\"b\\s/n\nr\rt\tb\bf\fc\u0001\u001f\u007f \u00e9\u2028\uD83D\uDE00";
        String line = encodeOne(new Op.Set(utf8(key), utf8("1"), Entry.NEVER));

        assertFalse(line.substring(0, line.length() - 1).contains("\n"), "a record is one line");
        assertTrue(line.contains("\\u0001") && line.contains("\\u001f") && line.contains("\\n"));
        JsonNode node = JSON.readTree(line);
        assertEquals(key, node.get("key").asText());
    }

    @Test
    void shouldCopyValueBytesVerbatim() throws Exception {
        String value = "[12345678901234567890123,0.1,1e400,\"\u00e9\\n\\\"\uD83D\uDE00\"]";
        String line = encodeOne(new Op.Set(utf8("k"), utf8(value), Entry.NEVER));

        assertTrue(line.contains(",\"value\":" + value + ","));
        assertEquals(4, JSON.readTree(line).get("value").size());
    }

    @Test
    void shouldFrameSeveralWritesAsBatchAndSkipGets() {
        byte[] bytes = encoder.encode(List.of(
                new Op.Set(utf8("a"), utf8("1"), Entry.NEVER),
                new Op.Get(utf8("a")),
                new Op.Delete(utf8("b")),
                new Op.Set(utf8("c"), utf8("2"), TS + 1_000)), TS);
        List<String> lines = lines(bytes);

        assertEquals(5, lines.size());
        assertEquals("{\"op\":\"begin\",\"count\":3,\"timestamp\":1700000000.123}", withoutCrc(lines.get(0)));
        assertTrue(lines.get(1).startsWith("{\"op\":\"set\",\"key\":\"a\""));
        assertTrue(lines.get(2).startsWith("{\"op\":\"delete\",\"key\":\"b\""));
        assertTrue(lines.get(3).startsWith("{\"op\":\"set\",\"key\":\"c\""));
        assertEquals("{\"op\":\"commit\",\"count\":3,\"timestamp\":1700000000.123}", withoutCrc(lines.get(4)));
    }

    @Test
    void shouldNotFrameASingleWriteAmongGets() {
        byte[] bytes = encoder.encode(List.of(new Op.Get(utf8("a")), new Op.Delete(utf8("a")), new Op.Get(utf8("a"))), TS);

        assertEquals(1, lines(bytes).size());
        assertTrue(lines(bytes).get(0).startsWith("{\"op\":\"delete\""));
    }

    @Test
    void shouldEncodeNothingForGetsOnly() {
        assertEquals(0, encoder.encode(List.of(new Op.Get(utf8("a"))), TS).length);
        assertEquals(0, encoder.encode(List.of(), TS).length);
    }

    @Test
    void shouldChecksumEachLineWithCrc32cOverTheLineWithoutItsCrcMember() {
        byte[] bytes = encoder.encode(List.of(
                new Op.Set(utf8("k\u00e9\"\n"), utf8("\"v\""), TS + 1_500),
                new Op.Delete(utf8("x"))), TS);

        for (String line : lines(bytes)) {
            Matcher m = CRC_SUFFIX.matcher(line);
            assertTrue(m.find(), line);
            byte[] covered = utf8(line.substring(0, m.start()) + "}");
            CRC32C crc = new CRC32C();
            crc.update(covered);
            assertEquals(String.format("%08x", crc.getValue()), m.group(1), line);
        }
    }

    @Test
    void shouldProduceIndependentResultsOnReuse() {
        byte[] first = encoder.encode(List.of(new Op.Set(utf8("a"), new byte[300], Entry.NEVER)), TS);
        byte[] firstCopy = first.clone();
        byte[] second = encoder.encode(List.of(new Op.Delete(utf8("b"))), TS);

        assertEquals(new String(firstCopy, StandardCharsets.UTF_8), new String(first, StandardCharsets.UTF_8));
        assertEquals(1, lines(second).size());
        assertTrue(lines(second).get(0).startsWith("{\"op\":\"delete\",\"key\":\"b\""));
    }

    @Test
    void shouldEncodeLargeValues() throws Exception {
        String big = "\"" + "x".repeat(100_000) + "\"";
        String line = encodeOne(new Op.Set(utf8("k"), utf8(big), Entry.NEVER));

        assertEquals(100_000, JSON.readTree(line).get("value").asText().length());
    }

    private Op.Set setWithDeadline(long deadline) {
        return new Op.Set(utf8("k"), utf8("1"), deadline);
    }

    private String encodeOne(Op op) {
        List<String> lines = lines(encoder.encode(List.of(op), TS));
        assertEquals(1, lines.size());
        return lines.get(0) + "\n";
    }

    @Test
    void shouldLeaveAUnitsFirstLineForTheWriterToFinishWithItsRevision() {
        Op.Set set = new Op.Set(utf8("k"), utf8("[1]"), TS + 1_500);
        UnitLines unit = encoder.encodeUnit(List.of(new Op.Get(utf8("x")), set), TS);

        String line = new String(WalReplayTest.concat(unit.head(), encoder.finish(unit.head(), 42)),
                StandardCharsets.UTF_8);

        assertEquals(0, unit.tail().length);
        assertEquals("{\"op\":\"set\",\"key\":\"k\",\"value\":[1],\"ttl\":1.5,\"timestamp\":1700000000.123,"
                + "\"revision\":42}", withoutCrc(line));
        assertCrcCoversTheLine(line.substring(0, line.length() - 1));
        assertTrue(new String(encoder.encode(List.of(set), TS), StandardCharsets.UTF_8)
                .startsWith(new String(unit.head(), StandardCharsets.UTF_8)), "the same line up to its end");
    }

    @Test
    void shouldGiveABatchItsRevisionOnItsBeginLineOnly() {
        UnitLines unit = encoder.encodeUnit(List.of(new Op.Set(utf8("a"), utf8("1"), Entry.NEVER),
                new Op.Delete(utf8("b"))), TS);

        List<String> lines = lines(WalReplayTest.concat(unit.head(), encoder.finish(unit.head(), 7), unit.tail()));

        assertEquals(4, lines.size());
        assertEquals("7", field(lines.get(0), "revision"));
        assertTrue(lines.get(0).startsWith("{\"op\":\"begin\",\"count\":2,"), lines.get(0));
        for (String line : lines) {
            assertCrcCoversTheLine(line);
            assertEquals(line == lines.get(0), line.contains("revision"), line);
        }
        assertEquals(UnitLines.NONE, encoder.encodeUnit(List.of(new Op.Get(utf8("a"))), TS));
    }

    @Test
    void shouldEncodeExpiriesMarksAndSnapshotEntriesWithTheirRevisions() {
        assertEquals("{\"op\":\"expire\",\"key\":\"k\",\"timestamp\":1700000000.123,\"revision\":9}",
                withoutCrc(new String(encoder.encodeExpire(utf8("k"), TS, 9), StandardCharsets.UTF_8)));
        assertEquals("{\"op\":\"format\",\"version\":2,\"revision\":31}",
                withoutCrc(new String(encoder.encodeVersionMark(31), StandardCharsets.UTF_8)));
        Entry entry = Entry.of(utf8("k"), utf8("\"v\""), TS + 2_000, 3, 8, 4);
        assertEquals("{\"op\":\"set\",\"key\":\"k\",\"value\":\"v\",\"ttl\":2,\"timestamp\":1700000000.123,"
                + "\"revision\":8,\"create_revision\":3,\"version\":4}",
                withoutCrc(new String(encoder.encodeEntry(entry, TS), StandardCharsets.UTF_8)));
    }

    @Test
    void shouldWriteADueSnapshotEntryAsOfItsDeadlineSoTheDeadlineReadsBackExact() throws Exception {
        Entry due = Entry.of(utf8("k"), utf8("1"), TS - 1_234, 1, 2, 1);

        byte[] line = encoder.encodeEntry(due, TS);

        assertEquals("0", field(new String(line, StandardCharsets.UTF_8), "ttl"));
        Op.Restore read = (Op.Restore) WalDecoder.parse(line, 0, line.length - 1, new CRC32C()).op();
        assertEquals(TS - 1_234, read.entry().deadlineMillis());
    }

    private static void assertCrcCoversTheLine(String line) {
        Matcher m = CRC_SUFFIX.matcher(line);
        assertTrue(m.find(), line);
        CRC32C crc = new CRC32C();
        crc.update(utf8(line.substring(0, m.start()) + "}"));
        assertEquals(String.format("%08x", crc.getValue()), m.group(1), line);
    }

    private String encode(List<Op> ops, long ts) {
        return new String(encoder.encode(ops, ts), StandardCharsets.UTF_8);
    }

    /** The raw text of a numeric member, as written. */
    private static String field(String line, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":([-0-9.eE]+)").matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    private static String withoutCrc(String line) {
        String trimmed = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        Matcher m = CRC_SUFFIX.matcher(trimmed);
        assertTrue(m.find(), trimmed);
        return trimmed.substring(0, m.start()) + "}";
    }

    private static List<String> lines(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
            out.add(text.substring(from, nl));
            from = nl + 1;
        }
        assertEquals(text.length(), from, "every line ends with a newline");
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
