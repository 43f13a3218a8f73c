package kvstore.client;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
    @Test
    void shouldKeepEveryDigitOfNumbers() {
        assertEquals(new BigInteger("12345678901234567890123"), Json.parse("12345678901234567890123").bigIntegerValue());
        assertEquals(new BigDecimal("0.1"), Json.parse("0.1").decimalValue());
        assertEquals(new BigDecimal("1e400"), Json.parse("1e400").decimalValue());
        assertEquals("{\"n\":1.50}", Json.text(Json.parse("{\"n\": 1.50}")), "trailing zeros stay");
    }

    @Test
    void shouldTakeOneJsonValueOnly() {
        assertEquals("[1, 2]", Json.checkedText("  [1, 2]\n"));
        assertThrows(IllegalArgumentException.class, () -> Json.checkedText("1, \"ttl\": 5"));
        assertThrows(IllegalArgumentException.class, () -> Json.checkedText("hello"));
        assertThrows(IllegalArgumentException.class, () -> Json.checkedText(""));
        assertThrows(IllegalArgumentException.class, () -> Json.checkedText("{\"a\":"));
    }

    @Test
    void shouldWriteTtlsAsExactSeconds() {
        assertEquals("1.5", Json.seconds(Duration.ofMillis(1500)));
        assertEquals("30", Json.seconds(Duration.ofSeconds(30)));
        assertEquals("0.000000001", Json.seconds(Duration.ofNanos(1)));
        assertEquals(Duration.ofMillis(1500), Json.duration(Json.parse("1.5")));
        assertEquals(Duration.ofSeconds(3), Json.duration(Json.parse("3")));
    }
}
