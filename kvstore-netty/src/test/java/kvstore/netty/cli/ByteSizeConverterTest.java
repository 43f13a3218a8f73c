package kvstore.netty.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ByteSizeConverterTest {
    private final ByteSizeConverter converter = new ByteSizeConverter();

    @Test
    void shouldReadPlainCountsAndBinarySuffixes() {
        assertEquals(512L, converter.convert("512"));
        assertEquals(64L * 1024, converter.convert("64KiB"));
        assertEquals(1L << 20, converter.convert("1MiB"));
        assertEquals(2L << 30, converter.convert("2GiB"));
        assertEquals(1L << 20, converter.convert("1mib"));
    }

    @Test
    void shouldRejectWhatIsNotASize() {
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("12XB"));
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("-1"));
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("MiB"));
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("99999999999GiB"));
    }
}
