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
    void shouldReadSetsAndDeletesExactlyAsTheFullParserDoes() throws Exception {
        Random random = new Random(3);
        for (int i = 0; i < 3_000; i++) {
            String key = randomKey(random);
            long ts = 1_600_000_000_000L + (long) (random.nextDouble() * 1e11);
            Op op;
            int kind = random.nextInt(3);
            if (kind == 0) {
                op = new Op.Delete(utf8(key));
            } else {
                long deadline = kind == 1 ? Entry.NEVER : ts + random.nextInt(100_000_000) - 1_000;
                op = new Op.Set(utf8(key), utf8(VALUES[random.nextInt(VALUES.length)]), deadline);
            }
            byte[] line = encoder.encode(List.of(op), ts);
            int crcAt = line.length - 1 - WalFormat.CRC_SUFFIX_LENGTH;

            Op fast = WalDecoder.parseCanonical(line, 0, crcAt);
            Op full = parseWithoutChecksum(line, crcAt);

            assertNotNull(fast, new String(line, StandardCharsets.UTF_8));
            assertSameOp(full, fast);
        }
    }

    @Test
    void shouldReadLineAtAnOffset() {
        byte[] line = encoder.encode(List.of(new Op.Set(utf8("k"), utf8("[1]"), TS + 1_500)), TS);
        byte[] buf = new byte[line.length + 10];
        System.arraycopy(line, 0, buf, 6, line.length);

        Op.Set set = assertInstanceOf(Op.Set.class, WalDecoder.parseCanonical(buf, 6, 6 + line.length - 1 - WalFormat.CRC_SUFFIX_LENGTH));

        assertArrayEquals(utf8("k"), set.key());
        assertEquals("[1]", new String(set.entry().value(), StandardCharsets.UTF_8));
        assertEquals(TS + 1_500, set.entry().deadlineMillis());
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
        "{\"key\":\"k\",\"op\":\"set\",\"value\":1,\"timestamp\":1}"
    })
    void shouldDeclineLinesNotLaidOutAsTheEncoderWritesThem(String body) {
        byte[] line = utf8(body.substring(0, body.length() - 1));

        assertNull(WalDecoder.parseCanonical(line, 0, line.length));
    }

    private static Op parseWithoutChecksum(byte[] line, int crcAt) throws WalDecoder.BadLineException {
        byte[] plain = new byte[crcAt + 1];
        System.arraycopy(line, 0, plain, 0, crcAt);
        plain[crcAt] = '}';
        return WalDecoder.parse(plain, 0, plain.length, new CRC32C()).op();
    }

    private static void assertSameOp(Op expected, Op actual) {
        assertEquals(expected.getClass(), actual.getClass());
        assertArrayEquals(expected.key(), actual.key());
        if (expected instanceof Op.Set set) {
            Op.Set other = (Op.Set) actual;
            assertEquals(new String(set.entry().value(), StandardCharsets.UTF_8),
                    new String(other.entry().value(), StandardCharsets.UTF_8));
            assertEquals(set.entry().deadlineMillis(), other.entry().deadlineMillis());
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
