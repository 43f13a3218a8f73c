package kvstore.netty.http;

import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WriteBodiesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final byte[] KEY = {'k'};

    private static Op.Set put(String body) throws BadRequestException {
        return WriteBodies.put(KEY, body.getBytes(StandardCharsets.UTF_8), NOW);
    }

    private static String value(Op.Set set) {
        return new String(set.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldKeepValuesAsCompactJsonWithNumbersDigitForDigit() throws Exception {
        assertEquals("{\"a\":[1,2.50,12345678901234567890123,1e400,0.1]}",
                value(put("{\"value\": {\"a\" : [1, 2.50, 12345678901234567890123, 1e400, 0.1]}}")));
        assertEquals("\"é😀\"", value(put("{\"value\":\"\\u00e9\\ud83d\\ude00\"}")));
        assertEquals("\"\"", value(put("{\"value\":\"\"}")));
        assertEquals("null", value(put("{\"value\":null}")));
    }

    @Test
    void shouldTurnTtlSecondsIntoADeadline() throws Exception {
        assertEquals(Entry.NEVER, put("{\"value\":1}").deadlineMillis());
        assertEquals(Entry.NEVER, put("{\"value\":1,\"ttl\":null}").deadlineMillis());
        assertEquals(NOW + 1500, put("{\"value\":1,\"ttl\":1.5}").deadlineMillis());
        assertEquals(NOW, put("{\"value\":1,\"ttl\":0}").deadlineMillis());
        assertEquals(NOW, put("{\"value\":1,\"ttl\":-3}").deadlineMillis());
        assertEquals(NOW, put("{\"value\":1,\"ttl\":-1e400}").deadlineMillis(), "any ttl <= 0 expires at once");
    }

    @Test
    void shouldRejectBadPutBodies() {
        for (String body : List.of("", "nope", "[1]", "\"x\"", "{}", "{\"value\":1} x", "{\"value\":1}{}",
                "{\"value\":1,\"ttl\":\"5\"}", "{\"value\":1,\"ttl\":true}", "{\"value\":1,\"ttl\":1e400}",
                "{\"value\":")) {
            assertThrows(BadRequestException.class, () -> put(body), body);
        }
    }

    @Test
    void shouldRejectBodiesThatAreNotUtf8WhereverTheBadBytesSit() {
        // Overlong "/" (two and three bytes), an encoded surrogate, a stray continuation, a truncated sequence.
        for (String bad : List.of("c0af", "e080af", "eda080", "80", "e282")) {
            byte[] bytes = HexFormat.of().parseHex(bad);
            for (byte[] body : List.of(
                    json("{\"value\":\"a", bytes, "b\"}"),
                    json("{\"value\":{\"", bytes, "\":1}}"),
                    json("{\"other\":\"", bytes, "\",\"value\":1}"))) {
                BadRequestException e = assertThrows(BadRequestException.class, () -> WriteBodies.put(KEY, body, NOW), bad);
                assertEquals("request body is not valid UTF-8", e.getMessage());
            }
            for (byte[] body : List.of(
                    json("{\"operations\":[{\"op\":\"set\",\"key\":\"k\",\"value\":\"", bytes, "\"}]}"),
                    json("{\"operations\":[{\"op\":\"set\",\"key\":\"", bytes, "\",\"value\":1}]}"))) {
                BadRequestException e = assertThrows(BadRequestException.class, () -> WriteBodies.batch(body, NOW), bad);
                assertEquals("request body is not valid UTF-8", e.getMessage());
            }
        }
    }

    @Test
    void shouldParseBatchOperationsInOrder() throws Exception {
        List<Op> ops = WriteBodies.batch(("{\"operations\":[{\"op\":\"set\",\"key\":\"a\",\"value\":[1],\"ttl\":2},"
                + "{\"op\":\"get\",\"key\":\"a\"},{\"op\":\"delete\",\"key\":\"b\"}]}").getBytes(StandardCharsets.UTF_8), NOW);
        assertEquals(3, ops.size());
        Op.Set set = assertInstanceOf(Op.Set.class, ops.get(0));
        assertEquals("[1]", value(set));
        assertEquals(NOW + 2000, set.deadlineMillis());
        assertInstanceOf(Op.Get.class, ops.get(1));
        assertInstanceOf(Op.Delete.class, ops.get(2));
    }

    @Test
    void shouldReportTheIndexOfTheFirstBadOperation() {
        String[] bad = {
            "{\"op\":\"nope\",\"key\":\"a\"}",
            "{\"op\":\"get\"}",
            "{\"op\":\"get\",\"key\":\"\"}",
            "{\"op\":\"get\",\"key\":5}",
            "{\"op\":\"set\",\"key\":\"a\"}",
            "{\"op\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":\"x\"}",
            "{\"op\":\"get\",\"key\":\"a\",\"ttl\":\"x\"}",
            "{\"op\":{\"x\":1},\"key\":\"a\"}",
            "7",
        };
        for (String op : bad) {
            String body = "{\"operations\":[{\"op\":\"get\",\"key\":\"ok\"}," + op + "]}";
            BadRequestException e = assertThrows(BadRequestException.class,
                    () -> WriteBodies.batch(body.getBytes(StandardCharsets.UTF_8), NOW), op);
            assertEquals(1, e.index(), op);
        }
    }

    @Test
    void shouldRejectBatchBodiesWithoutAnOperationsArray() {
        for (String body : List.of("{}", "{\"operations\":{}}", "{\"operations\":\"x\"}", "[]", "{\"operations\":[]} x")) {
            BadRequestException e = assertThrows(BadRequestException.class,
                    () -> WriteBodies.batch(body.getBytes(StandardCharsets.UTF_8), NOW), body);
            assertEquals(-1, e.index(), body);
        }
    }

    private static byte[] json(String before, byte[] middle, String after) {
        byte[] head = before.getBytes(StandardCharsets.UTF_8);
        byte[] tail = after.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + middle.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(middle, 0, out, head.length, middle.length);
        System.arraycopy(tail, 0, out, head.length + middle.length, tail.length);
        return out;
    }
}
