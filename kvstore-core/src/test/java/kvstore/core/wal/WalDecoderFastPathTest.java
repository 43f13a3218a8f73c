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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class WalDecoderFastPathTest {
    private static final long TS = 1_700_000_000_123L;
    private static final String[] VALUES = {
        "1", "-0", "1e5", "1E+5", "2.50", "12345678901234567890123", "true", "false", "null", "\"\"", "\"x\"",
        "\"a,\\\"ttl\\\":5\"", "\",\\\"timestamp\\\":1\"", "[]", "{}", "[1,\"ttl\",2]", "{\"ttl\":5,\"timestamp\":6}",
        "\"\u00e9\uD83D\uDE00\"", "[true,false,null]"
    };

    private final WalEncoder encoder = new WalEncoder();

    @Test
    void shouldReadEveryLineItTakesExactlyAsTheFullParserDoes() throws Exception {
        Random random = new Random(3);
        for (int i = 0; i < 5_000; i++) {
            String key = randomKey(random);
            long ts = 1_600_000_000_000L + (long) (random.nextDouble() * 1e11);
            long revision = 1 + random.nextInt(1 << 30) * (random.nextBoolean() ? 1L : 1L << 20);
            long deadline = random.nextBoolean() ? Entry.NEVER : ts + random.nextInt(100_000_000) - 1_000;
            Op.Set set = new Op.Set(utf8(key), utf8(VALUES[random.nextInt(VALUES.length)]), deadline);
            byte[] line = switch (random.nextInt(5)) {
                case 0 -> unit(new Op.Delete(utf8(key)), ts, revision);
                case 1 -> unit(set, ts, revision);
                case 2 -> encoder.encode(List.of(random.nextBoolean() ? set : new Op.Delete(utf8(key))), ts);
                case 3 -> encoder.encodeExpire(utf8(key), ts, revision);
                default -> encoder.encodeEntry(Entry.of(set.key(), set.value(), deadline,
                        1 + random.nextInt(1000), revision, 1 + random.nextInt(1 << 20)), ts);
            };
            int crcAt = line.length - 1 - WalFormat.CRC_SUFFIX_LENGTH;

            WalDecoder.Line fast = WalDecoder.parseCanonical(line, 0, crcAt);
            WalDecoder.Line full = parseWithoutChecksum(line, crcAt);

            assertNotNull(fast, new String(line, StandardCharsets.UTF_8));
            assertSameLine(full, fast);
        }
    }

    @Test
    void shouldReadLineAtAnOffset() {
        byte[] line = encoder.encode(List.of(new Op.Set(utf8("k"), utf8("[1]"), TS + 1_500)), TS);
        byte[] buf = new byte[line.length + 10];
        System.arraycopy(line, 0, buf, 6, line.length);

        Op.Set set = assertInstanceOf(Op.Set.class,
                WalDecoder.parseCanonical(buf, 6, 6 + line.length - 1 - WalFormat.CRC_SUFFIX_LENGTH).op());

        assertArrayEquals(utf8("k"), set.key());
        assertEquals("[1]", new String(set.value(), StandardCharsets.UTF_8));
        assertEquals(TS + 1_500, set.deadlineMillis());
    }

    @Test
    void shouldLeaveKeysWithEscapesToTheFullParser() {
        byte[] line = encoder.encode(List.of(new Op.Set(utf8("a\"b"), utf8("1"), Entry.NEVER)), TS);

        assertNull(WalDecoder.parseCanonical(line, 0, line.length - 1 - WalFormat.CRC_SUFFIX_LENGTH));
    }

    @Test
    void shouldLeaveBatchFramesToTheFullParser() {
        byte[] lines = encoder.encode(List.of(new Op.Delete(utf8("a")), new Op.Delete(utf8("b"))), TS);
        int firstEnd = new String(lines, StandardCharsets.UTF_8).indexOf('\n');

        assertNull(WalDecoder.parseCanonical(lines, 0, firstEnd - WalFormat.CRC_SUFFIX_LENGTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1.5,\"timestamp\":1700000000.1234}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1e3,\"timestamp\":1700000000}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1.,\"timestamp\":1700000000}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":5,\"timestamp\":17000000000000000000}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1}",
        "{\"op\":\"set\",\"key\":\"\",\"value\":1,\"timestamp\":1}",
        "{\"op\":\"set\",\"key\":\"k\",\"timestamp\":1}",
        "{\"op\":\"delete\",\"key\":\"k\",\"extra\":1,\"timestamp\":1}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"extra\":2}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":5,\"timestamp\":-}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1.2.3}",
        "{\"key\":\"k\",\"op\":\"set\",\"value\":1,\"timestamp\":1}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"revision\":-2}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"revision\":1.5}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"create_revision\":1,\"version\":1}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"revision\":3,\"version\":1}",
        "{\"op\":\"set\",\"key\":\"k\",\"value\":1,\"timestamp\":1,\"revision\":3,\"create_revision\":1,\"version\":0}",
        "{\"op\":\"delete\",\"key\":\"k\",\"timestamp\":1,\"revision\":3,\"create_revision\":1,\"version\":2}",
        "{\"op\":\"expire\",\"key\":\"k\",\"ttl\":1,\"timestamp\":1,\"revision\":3}"
    })
    void shouldDeclineLinesNotLaidOutAsTheEncoderWritesThem(String body) {
        byte[] line = utf8(body.substring(0, body.length() - 1));

        assertNull(WalDecoder.parseCanonical(line, 0, line.length));
    }

    /** The lines of {@code write} as the engine encodes them and the log worker finishes them as {@code revision}. */
    private byte[] unit(Op write, long ts, long revision) {
        UnitLines lines = encoder.encodeUnit(List.of(write), ts);
        return WalReplayTest.concat(lines.head(), encoder.finish(lines.head(), revision));
    }

    private static WalDecoder.Line parseWithoutChecksum(byte[] line, int crcAt) throws WalDecoder.BadLineException {
        byte[] plain = new byte[crcAt + 1];
        System.arraycopy(line, 0, plain, 0, crcAt);
        plain[crcAt] = '}';
        return WalDecoder.parse(plain, 0, plain.length, new CRC32C());
    }

    private static void assertSameLine(WalDecoder.Line expected, WalDecoder.Line actual) {
        assertEquals(expected.revision(), actual.revision());
        assertEquals(expected.timestampMillis(), actual.timestampMillis());
        assertEquals(expected.op().getClass(), actual.op().getClass());
        assertArrayEquals(expected.op().key(), actual.op().key());
        if (expected.op() instanceof Op.Set want) {
            Op.Set got = (Op.Set) actual.op();
            assertEquals(new String(want.value(), StandardCharsets.UTF_8), new String(got.value(), StandardCharsets.UTF_8));
            assertEquals(want.deadlineMillis(), got.deadlineMillis());
        } else if (expected.op() instanceof Op.Restore restore) {
            Entry want = restore.entry();
            Entry got = ((Op.Restore) actual.op()).entry();
            assertEquals(new String(want.value(), StandardCharsets.UTF_8), new String(got.value(), StandardCharsets.UTF_8));
            assertEquals(want.deadlineMillis(), got.deadlineMillis());
            assertEquals(List.of(want.createRevision(), want.modRevision(), want.version()),
                    List.of(got.createRevision(), got.modRevision(), got.version()));
        }
    }

    private static String randomKey(Random random) {
        String alphabet = "abcXYZ019:/._-+ \u00e9\u00ca\u4e2d\uD83D\uDE00";
        StringBuilder key = new StringBuilder();
        int length = 1 + random.nextInt(20);
        while (key.length() < length) {
            int at = random.nextInt(alphabet.length());
            char c = alphabet.charAt(at);
            if (Character.isHighSurrogate(c)) {
                key.append(c).append(alphabet.charAt(at + 1));
            } else if (!Character.isLowSurrogate(c)) {
                key.append(c);
            }
        }
        return key.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
