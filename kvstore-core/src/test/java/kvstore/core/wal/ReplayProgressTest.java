package kvstore.core.wal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static kvstore.core.wal.WalTesting.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayProgressTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong();
    private final List<String> lines = new ArrayList<>();

    @Test
    void shouldReportAtMostOncePerIntervalWithRecordsBytesAndPercent() {
        ReplayProgress progress = new ReplayProgress(Path.of("wal.log"), 4_000, nanos::get, lines::add);

        nanos.set(SECOND);
        progress.at(10, 1_000);
        nanos.set(2 * SECOND);
        progress.at(20, 2_000);
        nanos.set(3 * SECOND);
        progress.at(30, 3_000);
        nanos.set(4 * SECOND);
        progress.at(40, 3_999);

        assertEquals(List.of("replaying wal.log: 20 records, 2,000 of 4,000 bytes (50%)",
                "replaying wal.log: 40 records, 3,999 of 4,000 bytes (99%)"), lines);
    }

    @Test
    void shouldReportTimeAndRateAtTheEnd() {
        ReplayProgress progress = new ReplayProgress(Path.of("wal.log"), 4_000, nanos::get, lines::add);

        nanos.set(4 * SECOND);
        progress.done(2_000_000, 4_000);

        assertEquals(List.of("replayed wal.log: 2,000,000 records, 4,000 bytes in 4,000 ms (500,000 records/s)"), lines);
    }

    @Test
    void shouldReportProgressOfALongReplay() throws Exception {
        Path file = dir.resolve(WalFormat.FILE_NAME);
        WalEncoder encoder = new WalEncoder();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        for (int i = 0; i < 5_000; i++) {
            log.writeBytes(encoder.encode(set("k" + i, Integer.toString(i)), 1_700_000_000_000L));
        }
        Files.write(file, log.toByteArray());
        AtomicInteger applied = new AtomicInteger();
        // Every reading of the clock is a second later: a slow replay.
        ReplayProgress progress = new ReplayProgress(file, Files.size(file), () -> nanos.addAndGet(SECOND), lines::add);

        WalReplay.replay(file, false, unit -> applied.addAndGet(unit.ops().size()), progress);

        assertEquals(5_000, applied.get());
        assertTrue(lines.size() >= 3, lines.toString());
        for (String line : lines.subList(0, lines.size() - 1)) {
            assertTrue(line.matches("replaying .*: [\\d,]+ records, [\\d,]+ of [\\d,]+ bytes \\(\\d+%\\)"), line);
        }
        assertTrue(lines.get(lines.size() - 1).matches("replayed .*: 5,000 records, [\\d,]+ bytes in [\\d,]+ ms "
                + "\\([\\d,]+ records/s\\)"), lines.get(lines.size() - 1));
    }
}
