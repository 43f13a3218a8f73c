package kvstore.core.wal;

import kvstore.core.CorruptLogException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.zip.CRC32C;

/**
 * What {@link WalReplay} does where the log stops being good, and the cut that follows. Damage with nothing but
 * padding after it is a torn write: cut with a warning. Damage followed by good data stops the start with a
 * {@link CorruptLogException}, unless repair was asked for: then the whole log is first saved as
 * {@code wal.log.broken-<time>}, and cut before the damaged line. Every cut is forced before replay returns.
 *
 * <p>Threading: used by the replaying thread only, on the channel replay reads through.
 */
final class LogRepair {
    /** Its warnings are replay's, and say so in the log. */
    private static final Logger log = LoggerFactory.getLogger(WalReplay.class);

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final boolean repair;

    /** For {@code file}, open as {@code channel}, {@code size} bytes long; {@code repair} as asked for at start. */
    LogRepair(Path file, FileChannel channel, long size, boolean repair) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.repair = repair;
    }

    /**
     * Line {@code lineNo}, at {@code lineOffset} and ending before {@code next}, is damaged ({@code why}); the
     * log is good up to {@code cutAt} (the line, or the start of the batch it is in), and {@code records} were
     * applied from it.
     *
     * @throws CorruptLogException when good data follows and repair was not asked for
     */
    WalReplay.Result damaged(long lineNo, long lineOffset, long next, long cutAt, long records, String why)
            throws IOException {
        if (onlyPaddingAfter(next)) {
            return cut(cutAt, records, "line " + lineNo + " (byte offset " + lineOffset + ") is a torn write ("
                    + why + ")");
        }
        if (!repair) {
            throw new CorruptLogException(file, lineNo, lineOffset, why);
        }
        Path copy = saveBrokenCopy();
        long dropped = countLines(cutAt);
        long highest = highestRevisionFrom(cutAt);
        log.warn("{}: line {} (byte offset {}) is damaged ({}); saved the whole log as {}; repair drops "
                + "{} records ({} bytes) from byte offset {} on", file, lineNo, lineOffset, why, copy,
                dropped, size - cutAt, cutAt);
        return truncate(cutAt, records, dropped, copy, highest);
    }

    /** Cuts a torn or blank tail from {@code cutAt} on, with a warning saying {@code why}. */
    WalReplay.Result cut(long cutAt, long records, String why) throws IOException {
        log.warn("{}: cutting the last {} bytes (from byte offset {}): {}", file, size - cutAt, cutAt, why);
        return truncate(cutAt, records, 0, null, 0);
    }

    private WalReplay.Result truncate(long cutAt, long records, long dropped, Path copy, long highestCutRevision)
            throws IOException {
        channel.truncate(cutAt);
        channel.force(true);
        return new WalReplay.Result(records, cutAt, size - cutAt, dropped, copy, WalFormat.VERSION,
                highestCutRevision);
    }

    /**
     * The highest revision the readable lines from {@code from} on carry (damaged ones are passed over), so that
     * the store can go on past every revision the cut may have held and none is given twice.
     */
    private long highestRevisionFrom(long from) throws IOException {
        long[] highest = {0};
        CRC32C crc = new CRC32C();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        scan(from, b -> {
            if (b != '\n') {
                line.write(b);
                return true;
            }
            byte[] bytes = line.toByteArray();
            line.reset();
            try {
                highest[0] = Math.max(highest[0], WalDecoder.parse(bytes, 0, bytes.length, crc).revision());
            } catch (WalDecoder.BadLineException e) {
                // a damaged line says nothing; the caller also counts every line cut
            }
            return true;
        });
        return highest[0];
    }

    private Path saveBrokenCopy() throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        Path copy = file.resolveSibling(file.getFileName() + ".broken-" + stamp);
        Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
        try (FileChannel c = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        SafeFiles.fsyncDirectory(file.getParent());
        return copy;
    }

    /** Whether everything from {@code from} to the end is NUL bytes or whitespace: a zero-filled or empty tail. */
    private boolean onlyPaddingAfter(long from) throws IOException {
        return scan(from, WalFormat::isPadding) == size;
    }

    /** The lines from {@code from} to the end, a last one without its newline included. */
    private long countLines(long from) throws IOException {
        long[] lines = {0};
        byte[] last = {'\n'};
        scan(from, b -> {
            last[0] = b;
            if (b == '\n') {
                lines[0]++;
            }
            return true;
        });
        return last[0] == '\n' ? lines[0] : lines[0] + 1;
    }

    /** Tests each byte from {@code from} to the end in order; returns the offset of the first that fails, or size. */
    private long scan(long from, BytePredicate test) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        for (long at = from; at < size; ) {
            chunk.clear();
            int n = channel.read(chunk, at);
            if (n <= 0) {
                return at;
            }
            for (int i = 0; i < n; i++) {
                if (!test.test(chunk.get(i))) {
                    return at + i;
                }
            }
            at += n;
        }
        return size;
    }

    @FunctionalInterface
    private interface BytePredicate {
        boolean test(byte b);
    }
}
