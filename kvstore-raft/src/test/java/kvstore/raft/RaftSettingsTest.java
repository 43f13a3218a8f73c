package kvstore.raft;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftSettingsTest {
    private static final long MIB = 1 << 20;

    private static MemberConfig config(long maxBody) {
        return MemberConfig.of("n1", List.of(new Member("n1", "127.0.0.1", 1, 2)), Path.of("data"))
                .withMaxBody(maxBody);
    }

    @Test
    void shouldSizeEveryRatisLimitOnAnEntryFromTheBodyLimit() {
        MemberConfig config = config(100 * MIB);
        long entry = RaftSettings.maxEntryBytes(config);
        RaftProperties server = RaftSettings.server(config, config.self());

        assertTrue(RaftSettings.maxWriteBytes(config) >= 2 * 100 * MIB, "a body's lines may grow to twice its size");
        assertEquals(entry, RaftServerConfigKeys.Log.Appender.bufferByteLimit(server).getSize());
        assertTrue(RaftServerConfigKeys.Log.writeBufferSize(server).getSize() >= entry + 8);
        assertTrue(RaftServerConfigKeys.Log.queueByteLimit(server).getSize() >= entry);
        assertTrue(RaftServerConfigKeys.Write.byteLimit(server).getSize() >= entry);
        assertTrue(GrpcConfigKeys.messageSizeMax(server, s -> { }).getSize() > entry);
        assertTrue(GrpcConfigKeys.messageSizeMax(RaftSettings.client(config), s -> { }).getSize() > entry);
        long chunk = RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(server).getSize();
        assertEquals(4 * MIB, chunk, "a snapshot sent in chunks far below Ratis's 16 MiB");
        assertTrue(GrpcConfigKeys.messageSizeMax(server, s -> { }).getSize() > chunk);
    }

    @Test
    void shouldKeepRatisDefaultsForASmallBodyLimitAndStayFarBelowTwoGibibytesForAHugeOne() {
        assertEquals(4 * MIB, RaftSettings.maxEntryBytes(config(1)));
        assertEquals(1024 * MIB, RaftSettings.maxEntryBytes(config(Integer.MAX_VALUE - 8)));
        assertTrue(RaftSettings.maxWriteBytes(config(1)) >= 2 * MIB);
    }

    @Test
    void shouldTryAFailedFollowerAgainWithinASecondAndAHalfHoweverLongItWasDown() {
        MemberConfig config = config(MIB);
        RetryPolicy waits = MultipleLinearRandomRetry.parseCommaSeparated(
                RaftServerConfigKeys.Log.Appender.retryPolicy(RaftSettings.server(config, config.self())));
        for (int failures : new int[] {1, 30, 31, 1_000, 1_000_000}) {
            RetryPolicy.Action next = waits.handleAttemptFailure(() -> failures);
            assertTrue(next.shouldRetry(), "after " + failures);
            assertTrue(next.getSleepTime().toLong(TimeUnit.MILLISECONDS) <= 1500, "after " + failures);
        }
    }
}
