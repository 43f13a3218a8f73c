package kvstore.core.json;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Utf8Test {
    /** The JDK's decoder refuses exactly the ill-formed sequences, so it is the reference. */
    private final CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CharBuffer decoded = CharBuffer.allocate(8);

    @Test
    void shouldAcceptAsciiAndWellFormedSequencesOfEveryLength() {
        assertTrue(Utf8.isValid(new byte[0]));
        assertTrue(Utf8.isValid("plain {\"value\": 1}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Utf8.isValid("\u00e9\u20ac\uD83D\uDE00\uDBFF\uDFFF\uFFFF".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldRefuseOverlongFormsSurrogatesAndCodePointsPastTheLastOne() {
        for (String bad : new String[] {"c0af", "c180", "e080af", "e09fbf", "f08fbfbf", "eda080", "edbfbf",
                "f4908080", "f5808080", "ff"}) {
            assertFalse(Utf8.isValid(hex(bad)), bad);
        }
    }

    @Test
    void shouldRefuseStrayContinuationsAndTruncatedSequences() {
        for (String bad : new String[] {"80", "bf", "61c3", "e282", "f09f98", "c361", "e28261", "f09f9861"}) {
            assertFalse(Utf8.isValid(hex(bad)), bad);
        }
    }

    @Test
    void shouldFindABadByteAnywhereInALongAsciiRun() {
        byte[] euro = hex("e282ac");
        for (int at = 0; at < 40; at++) {
            byte[] text = "a".repeat(40).getBytes(StandardCharsets.US_ASCII);
            text[at] = (byte) 0x80;
            assertFalse(Utf8.isValid(text), "a stray continuation at " + at);
            assertFalse(Utf8.isValid(text, 0, at + 1), "a stray continuation at the end of the range " + at);
            if (at + euro.length <= text.length) {
                System.arraycopy(euro, 0, text, at, euro.length);
                assertTrue(Utf8.isValid(text), "a well-formed sequence at " + at);
            }
        }
    }

    @Test
    void shouldCheckOnlyTheRangeItIsGiven() {
        byte[] text = hex("c0af6162c0af");

        assertTrue(Utf8.isValid(text, 2, 4));
        assertFalse(Utf8.isValid(text, 1, 4), "a continuation byte cut from its lead");
        assertFalse(Utf8.isValid(hex("61e282ac"), 0, 3), "a sequence cut by the end of the range");
    }

    @Test
    void shouldAgreeWithTheJdkOnEveryPairOfBytesFollowedByEachBoundaryByte() {
        // Every range in the rule starts or ends at one of these, so a wrong bound shows with them.
        int[] boundaries = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
        for (int a = 0; a < 256; a++) {
            assertAgrees(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                assertAgrees(new byte[] {(byte) a, (byte) b});
                for (int c : boundaries) {
                    assertAgrees(new byte[] {(byte) a, (byte) b, (byte) c});
                    for (int d : boundaries) {
                        assertAgrees(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
                    }
                }
            }
        }
    }

    private void assertAgrees(byte[] bytes) {
        if (jdkAccepts(bytes) != Utf8.isValid(bytes)) {
            fail("disagrees with the JDK on " + HexFormat.of().formatHex(bytes));
        }
    }

    private boolean jdkAccepts(byte[] bytes) {
        decoded.clear();
        return !strict.reset().decode(ByteBuffer.wrap(bytes), decoded, true).isError()
                && !strict.flush(decoded).isError();
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
