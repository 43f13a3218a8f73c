package kvstore.netty.cli;

import picocli.CommandLine;

import java.util.Locale;

/** Reads a size as a plain byte count or with a {@code KiB}, {@code MiB} or {@code GiB} suffix. */
final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
        String s = text.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        long unit = 1;
        for (String[] suffix : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
                {"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"}, {"k", "1024"}, {"m", "1048576"},
                {"g", "1073741824"}, {"b", "1"}}) {
            if (lower.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                s = s.substring(0, s.length() - suffix[0].length()).trim();
                break;
            }
        }
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a size (use a byte count or a KiB, MiB or GiB suffix, e.g. 1MiB)");
        }
        if (n < 0 || n > Long.MAX_VALUE / unit) {
            throw new CommandLine.TypeConversionException("'" + text + "' is out of range");
        }
        return n * unit;
    }
}
