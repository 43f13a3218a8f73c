package kvstore.core.wal;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class WalDecoderTest {
    private static final long TS = 1_700_000_000_123L;

    private final WalEncoder encoder = new WalEncoder();
    private final CRC32C crc = new CRC32C();

    @Test
    void shouldRoundTripSetWithoutTtl() throws Exception {
        Op.Set set = roundTripSet("k", "{\"a\":[1,2.50,\"x\"]}", Entry.NEVER);

        assertEquals(Entry.NEVER, set.deadlineMillis());
    }

    @Test
    void shouldRoundTripSetWithTtl() throws Exception {
        Op.Set set = roundTripSet("k", "\"v\"", TS + 1_500);

        assertEquals(TS + 1_500, set.deadlineMillis());
    }

    @Test
    void shouldRoundTripFractionalTtlsToTheMillisecond() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            long ts = 1_600_000_000_000L + (long) (random.nextDouble() * 200_000_000_000L);
            long deadline = ts + 1 + random.nextInt(10_000_000);
            byte[] line = encoder.encode(List.of(new Op.Set(utf8("k"), utf8("1"), deadline)), ts);
            Op.Set set = (Op.Set) parseLine(line).op();
            assertEquals(deadline, set.deadlineMillis(), "ts " + ts);
        }
    }

    @Test
    void shouldRoundTripUnicodeKeysNeedingEscapes() throws Exception {
        String key = "q\"b\\s/n\nr\rt\tb\bf\fc\u0000\u0001\u001f\u007f \u00e9\u2028\uD83D\uDE00";
        Op.Set set = roundTripSet(key, "1", Entry.NEVER);

        assertArrayEquals(utf8(key), set.key());
    }

    @Test
    void shouldRoundTripValuesDigitForDigit() throws Exception {
        String value = "[12345678901234567890123,0.1,1e400,-0,\"\u00e9\\n\\\"\uD83D\uDE00\",{},[],\"\"]";
        Op.Set set = roundTripSet("k", value, Entry.NEVER);

        assertEquals(value, str(set.value()));
    }

    @Test
    void shouldRoundTripDelete() throws Exception {
        WalDecoder.Line record = parseLine(encoder.encode(List.of(new Op.Delete(utf8("k\u00e9"))), TS));

        assertEquals(WalDecoder.Line.Kind.WRITE, record.kind());
        Op.Delete delete = assertInstanceOf(Op.Delete.class, record.op());
        assertArrayEquals(utf8("k\u00e9"), delete.key());
    }

    @Test
    void shouldRoundTripBatchFrame() throws Exception {
        byte[] bytes = encoder.encode(List.of(
                new Op.Set(utf8("a"), utf8("1"), TS + 1_000),
                new Op.Delete(utf8("b"))), TS);
        String[] lines = str(bytes).split("\n");
        assertEquals(4, lines.length);

        WalDecoder.Line begin = parseLine(utf8(lines[0]));
        WalDecoder.Line set = parseLine(utf8(lines[1]));
        WalDecoder.Line delete = parseLine(utf8(lines[2]));
        WalDecoder.Line commit = parseLine(utf8(lines[3]));

        assertEquals(WalDecoder.Line.Kind.BEGIN, begin.kind());
        assertEquals(2, begin.number());
        assertEquals(TS + 1_000, ((Op.Set) set.op()).deadlineMillis());
        assertInstanceOf(Op.Delete.class, delete.op());
        assertEquals(WalDecoder.Line.Kind.COMMIT, commit.kind());
        assertEquals(2, commit.number());
    }

    @Test
    void shouldParseLineAtAnOffsetInsideALargerBuffer() throws Exception {
        byte[] line = encoder.encode(List.of(new Op.Delete(utf8("k"))), TS);
        byte[] buf = new byte[line.length + 20];
        System.arraycopy(line, 0, buf, 10, line.length);
        buf[9] = 'x';

        WalDecoder.Line record = WalDecoder.parse(buf, 10, line.length - 1, crc);

        assertArrayEquals(utf8("k"), record.op().key());
    }

    @Test
    void shouldRejectAnyFlippedBitOutsideTheChecksumMember() {
        byte[] line = encoder.encode(List.of(new Op.Set(utf8("key"), utf8("{\"n\":12}"), TS + 2_500)), TS);
        int len = line.length - 1;
        int crcMemberAt = len - WalFormat.CRC_SUFFIX_LENGTH;
        for (int i = 0; i < crcMemberAt; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] damaged = line.clone();
                damaged[i] ^= (byte) (1 << bit);
                try {
                    WalDecoder.parse(damaged, 0, len, crc);
                    fail("flipping bit " + bit + " of byte " + i + " went unnoticed: " + str(damaged));
                } catch (WalDecoder.BadLineException expected) {
                    // as it should be
                }
            }
        }
    }

    @Test
    void shouldReportChecksumMismatchForAChangedValue() {
        byte[] line = encoder.encode(List.of(new Op.Set(utf8("k"), utf8("1234"), Entry.NEVER)), TS);
        String text = str(line).replace("1234", "1235");

        WalDecoder.BadLineException e = assertThrows(WalDecoder.BadLineException.class,
                () -> WalDecoder.parse(utf8(text), 0, text.length() - 1, crc));
        assertEquals("checksum mismatch", e.getMessage());
    }

    @Test
    void shouldRejectMalformedChecksum() {
        String line = "{\"op\":\"delete\",\"key\":\"k\",\"timestamp\":1,\"crc\":\"zzzzzzzz\"}";

        assertThrows(WalDecoder.BadLineException.class, () -> parse(line));
    }

    @Test
    void shouldAcceptForeignLineWithoutChecksum() throws Exception {
        WalDecoder.Line record = parse("{\"op\":\"set\",\"key\":\"k\",\"value\":{\"a\": [1, 2]},\"ttl\":1.5,\"timestamp\":1700000000}");

        Op.Set set = (Op.Set) record.op();
        assertArrayEquals(utf8("k"), set.key());
        assertEquals("{\"a\":[1,2]}", str(set.value()));
        assertEquals(1_700_000_001_500L, set.deadlineMillis());
    }

    @Test
    void shouldAcceptForeignLineWithMembersInAnyOrderAndExtraMembers() throws Exception {
        WalDecoder.Line record = parse(" {\"timestamp\":1700000000.25,\"ttl\":10,\"extra\":{\"x\":[1]},\"value\":null,"
                + "\"key\":\"k\",\"op\":\"set\"} ");

        Op.Set set = (Op.Set) record.op();
        assertEquals("null", str(set.value()));
        assertEquals(1_700_000_010_250L, set.deadlineMillis());
    }

    @Test
    void shouldTreatNullTtlAsNeverExpiring() throws Exception {
        Op.Set set = (Op.Set) parse("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":null,\"timestamp\":1700000000}").op();

        assertEquals(Entry.NEVER, set.deadlineMillis());
    }

    @Test
    void shouldGiveNonPositiveTtlADeadlineAtOrBeforeTheTimestamp() throws Exception {
        Op.Set zero = (Op.Set) parse("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":0,\"timestamp\":1700000000}").op();
        Op.Set negative = (Op.Set) parse("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":-3,\"timestamp\":1700000000}").op();

        assertEquals(1_700_000_000_000L, zero.deadlineMillis());
        assertTrue(negative.deadlineMillis() <= 1_700_000_000_000L, "over at once");
    }

    @Test
    void shouldCapHugeTtlBelowNever() throws Exception {
        Op.Set set = (Op.Set) parse("{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1e300,\"timestamp\":1700000000}").op();

        assertTrue(set.deadlineMillis() < Entry.NEVER);
        assertTrue(set.deadlineMillis() > 4_000_000_000_000_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "not json",
        "[1,2]",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1} x",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1}{}",
        "{\"key\":\"k\",\"value\":1}",
        "{\"op\":\"upsert\",\"key\":\"k\",\"value\":1}",
        "{\"op\":\"set\",\"key\":\"k\"}",
        "{\"op\":\"set\",\"value\":1}",
        "{\"op\":\"set\",\"key\":\"\",\"value\":1}",
        "{\"op\":\"set\",\"key\":7,\"value\":1}",
        "{\"op\":\"set\",\"key\":\"\\ud800\",\"value\":1}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":5}",
        "{\"op\":\"delete\"}",
        "{\"op\":\"begin\",\"count\":1,\"timestamp\":1}",
        "{\"op\":\"commit\",\"timestamp\":1}",
        "{\"op\":\"begin\",\"count\":\"2\",\"timestamp\":1}",
        "{\"op\":\"begin\",\"count\":99999999999,\"timestamp\":1}",
        "\u0000\u0000\u0000\u0000"
    })
    void shouldRejectLinesThatAreNotRecords(String line) {
        assertThrows(WalDecoder.BadLineException.class, () -> parse(line));
    }

    @Test
    void shouldReadForeignBatchFrameWithoutChecksum() throws Exception {
        WalDecoder.Line begin = parse("{\"op\":\"begin\",\"count\":3}");

        assertEquals(WalDecoder.Line.Kind.BEGIN, begin.kind());
        assertEquals(3, begin.number());
        assertNull(begin.op());
    }

    private Op.Set roundTripSet(String key, String json, long deadline) throws Exception {
        byte[] line = encoder.encode(List.of(new Op.Set(utf8(key), utf8(json), deadline)), TS);
        WalDecoder.Line record = parseLine(line);
        assertEquals(WalDecoder.Line.Kind.WRITE, record.kind());
        Op.Set set = assertInstanceOf(Op.Set.class, record.op());
        assertArrayEquals(utf8(key), set.key());
        assertEquals(json, str(set.value()));
        return set;
    }

    /** Parses one encoded line, newline included. */
    private WalDecoder.Line parseLine(byte[] line) throws WalDecoder.BadLineException {
        int len = line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
        return WalDecoder.parse(line, 0, len, crc);
    }

    private WalDecoder.Line parse(String line) throws WalDecoder.BadLineException {
        byte[] bytes = utf8(line);
        return WalDecoder.parse(bytes, 0, bytes.length, crc);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
