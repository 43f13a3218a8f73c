package kvstore.core.wal;

import kvstore.core.CorruptLogException;
import kvstore.core.store.Op;
import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Rebuilds the store from the log on start, and leaves the log ready to append to.
 *
 * <p>Follows Redis and etcd: a damaged last line (a torn write, a zero-filled tail after power loss, or a
 * batch without its commit line) is cut off with a warning; a damaged line followed by good data stops the
 * start with a {@link CorruptLogException}, unless repair is asked for, in which case the whole log is
 * first copied to {@code wal.log.broken-<time>} and then cut before the damaged line ({@link LogRepair}
 * decides and cuts).
 */
public final class WalReplay {
    private static final Logger log = LoggerFactory.getLogger(WalReplay.class);
    private static final int CHUNK = 4 << 20;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    /** Replay asks {@link ReplayProgress} whether to report on every line number with these bits clear: 1 in 1,024. */
    private static final long PROGRESS_LINE_MASK = 1023;

    /**
     * What replay found.
     *
     * @param records writes applied (each write inside a batch counts)
     * @param bytes size of the log after replay
     * @param cutBytes bytes cut from the end: a torn write, or everything from the damaged line on under repair
     * @param droppedRecords under repair, the lines cut off
     * @param brokenCopy under repair, where the whole damaged log was copied; otherwise null
     * @param version the format version of the log's last lines: 1 without a version mark
     * @param highestCutRevision under repair, the highest revision a line cut off carries (0: none readable)
     */
    public record Result(long records, long bytes, long cutBytes, long droppedRecords, Path brokenCopy, int version,
                         long highestCutRevision) {
        /** This result, of a log whose lines were of {@code version}. */
        Result ofVersion(int version) {
            return new Result(records, bytes, cutBytes, droppedRecords, brokenCopy, version, highestCutRevision);
        }
    }

    private final Path file;
    private final boolean repair;
    private final ApplyPipeline apply;
    private final ReplayProgress progress;
    private final CRC32C crc = new CRC32C();

    private WalReplay(Path file, boolean repair, ApplyPipeline apply, ReplayProgress progress) {
        this.file = file;
        this.repair = repair;
        this.apply = apply;
        this.progress = progress;
    }

    /**
     * Replays {@code file} (a missing file is an empty log) into {@code apply}, which receives each single
     * write, whole batch and version mark in log order, then cuts a torn tail.
     *
     * @throws CorruptLogException when a line other than the last is damaged and {@code repair} is false
     */
    public static Result replay(Path file, boolean repair, Consumer<LoggedUnit> apply) throws IOException {
        return replay(file, repair, apply, NanoClock.SYSTEM);
    }

    /** As {@link #replay(Path, boolean, Consumer)}, reporting progress every few seconds by {@code clock}. */
    public static Result replay(Path file, boolean repair, Consumer<LoggedUnit> apply, NanoClock clock)
            throws IOException {
        if (!Files.exists(file)) {
            return new Result(0, 0, 0, 0, null, WalFormat.VERSION, 0);
        }
        return replay(file, repair, apply, new ReplayProgress(file, Files.size(file), clock, log::info));
    }

    static Result replay(Path file, boolean repair, Consumer<LoggedUnit> apply, ReplayProgress progress)
            throws IOException {
        ApplyPipeline pipeline = new ApplyPipeline(apply);
        Result result;
        try {
            result = new WalReplay(file, repair, pipeline, progress).run();
        } catch (IOException | RuntimeException | Error e) {
            // Still wait for the applying thread, but keep the reading error (say, where the log is damaged) first.
            try {
                pipeline.finish();
            } catch (RuntimeException | Error applyFailure) {
                e.addSuppressed(applyFailure);
            }
            throw e;
        }
        pipeline.finish();
        progress.done(result.records(), result.bytes());
        return result;
    }

    private Result run() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            LogRepair logRepair = new LogRepair(file, channel, size, repair);
            byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(size, 1))];
            long bufOffset = 0;
            int start = 0;
            int limit = 0;
            long lineNo = 0;
            long records = 0;
            long goodEnd = 0;
            boolean unterminatedTail = false;
            List<Op> batch = null;
            int batchCount = 0;
            long batchStart = 0;
            long batchRevision = 0;
            long batchTimestamp = 0;
            long firstLineOffset = -1;
            int version = 1;
            while (true) {
                int nl = indexOf(buf, start, limit);
                boolean eof = bufOffset + limit >= size;
                if (nl < 0 && !eof) {
                    if (start == 0 && limit == buf.length) {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    } else {
                        System.arraycopy(buf, start, buf, 0, limit - start);
                        bufOffset += start;
                        limit -= start;
                        start = 0;
                    }
                    limit += read(channel, buf, limit, bufOffset + limit);
                    continue;
                }
                if (nl < 0 && start == limit) {
                    break;
                }
                int lineStart = start;
                int end = nl < 0 ? limit : nl;
                long lineOffset = bufOffset + lineStart;
                long next = bufOffset + (nl < 0 ? limit : nl + 1);
                lineNo++;
                if ((lineNo & PROGRESS_LINE_MASK) == 0) {
                    progress.at(records, lineOffset);
                }
                start = nl < 0 ? limit : nl + 1;
                if (WalFormat.isBlank(buf, lineStart, end)) {
                    // An unterminated blank tail is cut: the next record appended after it would not start a line.
                    if (batch == null && nl >= 0) {
                        goodEnd = next;
                    }
                    continue;
                }
                if (firstLineOffset < 0) {
                    firstLineOffset = lineOffset;
                }
                String bad;
                try {
                    WalDecoder.Line record = WalDecoder.parse(buf, lineStart, end - lineStart, crc);
                    bad = null;
                    switch (record.kind()) {
                        case WRITE -> {
                            if (batch == null) {
                                apply.accept(new LoggedUnit(List.of(record.op()), record.revision(),
                                        record.timestampMillis()));
                                records++;
                                goodEnd = next;
                            } else if (batch.size() < batchCount) {
                                batch.add(record.op());
                            } else {
                                bad = "batch has more writes than its count";
                            }
                        }
                        case BEGIN -> {
                            if (batch != null) {
                                bad = "batch begins inside another batch";
                            } else {
                                batch = new ArrayList<>(record.number());
                                batchCount = record.number();
                                batchStart = lineOffset;
                                batchRevision = record.revision();
                                batchTimestamp = record.timestampMillis();
                            }
                        }
                        case COMMIT -> {
                            if (batch == null || record.number() != batchCount || batch.size() != batchCount) {
                                bad = "commit does not match its batch";
                            } else {
                                apply.accept(new LoggedUnit(batch, batchRevision, batchTimestamp));
                                records += batchCount;
                                batch = null;
                                goodEnd = next;
                            }
                        }
                        case VERSION -> {
                            if (batch != null || (lineOffset != firstLineOffset
                                    && (record.number() < 2 || record.number() < version))) {
                                bad = "version mark after the first line";
                            } else if (record.number() > WalFormat.VERSION) {
                                throw new IOException(file + " was written by a newer kvstore (log format version "
                                        + record.number() + "; this kvstore reads up to version "
                                        + WalFormat.VERSION + "): start it with that version");
                            } else {
                                version = record.number();
                                if (record.revision() > 0) {
                                    apply.accept(new LoggedUnit(List.of(), record.revision(), record.timestampMillis()));
                                }
                                goodEnd = next;
                            }
                        }
                    }
                } catch (WalDecoder.BadLineException e) {
                    bad = e.getMessage();
                }
                if (bad != null) {
                    long cutAt = batch != null ? batchStart : lineOffset;
                    return logRepair.damaged(lineNo, lineOffset, next, cutAt, records, bad).ofVersion(version);
                }
                unterminatedTail = nl < 0;
            }
            if (batch != null) {
                return logRepair.cut(batchStart, records,
                        "a batch of " + batchCount + " writes has no commit line (torn write)").ofVersion(version);
            }
            if (goodEnd < size) {
                return logRepair.cut(goodEnd, records, "blank tail").ofVersion(version);
            }
            if (unterminatedTail) {
                // The last record is whole but lacks its newline; add it, or the next append would join it.
                channel.write(ByteBuffer.wrap(new byte[] {'\n'}), size);
                channel.force(false);
                size++;
            }
            return new Result(records, size, 0, 0, null, version, 0);
        }
    }

    private static int read(FileChannel channel, byte[] buf, int at, long position) throws IOException {
        int n = channel.read(ByteBuffer.wrap(buf, at, buf.length - at), position);
        if (n < 0) {
            throw new IOException(position + ": log shrank while being replayed");
        }
        return n;
    }

    /** The first newline in {@code buf[from, limit)}: eight bytes at a time (SWAR), as lines are long. */
    private static int indexOf(byte[] buf, int from, int limit) {
        int i = from;
        for (; i + Long.BYTES <= limit; i += Long.BYTES) {
            long x = (long) LONGS.get(buf, i) ^ NEWLINES;
            long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < limit; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

}
