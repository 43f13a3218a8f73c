package kvstore.core.wal;

import kvstore.core.FsyncPolicy;
import kvstore.core.LogObserver;
import kvstore.core.store.Change;
import kvstore.core.store.Condition;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import kvstore.core.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static kvstore.core.wal.WalTesting.readLog;
import static kvstore.core.wal.WalTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * How a group is decided before it is written (see {@link GroupPlan}): revisions, checks over the group's earlier
 * appends, writes that change nothing, and expiries as logged changes, on an injected clock. Groups are committed
 * on the test's thread, as the log worker would commit them.
 */
class GroupPlanTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(T0);
    private final List<String> heard = new ArrayList<>();
    private final Store store = new Store((revision, changes) -> {
        for (Change c : changes) {
            heard.add(revision + " " + c.type() + " " + new String(c.key(), StandardCharsets.UTF_8));
        }
    });
    private final WalEncoder encoder = new WalEncoder();
    private FaultyFileChannel channel;
    private LogFile file;
    private GroupCommit group;

    @AfterEach
    void closeFile() throws IOException {
        if (file != null) {
            file.close();
        }
    }

    @Test
    void shouldGiveEachAppendThatChangesSomethingTheNextRevisionInItsLoggedLines() throws Exception {
        open(false);

        List<Outcome> outcomes = commit(List.of(set("a", "1")), List.of(set("b", "1"), set("c", "1")),
                List.of(new Op.Get(utf8("a"))), List.of(set("a", "2")));

        assertEquals(List.of(1L, 2L, 2L, 3L), outcomes.stream().map(Outcome::revision).toList());
        assertEquals(List.of(1L, 2L, 0L, 0L, 0L, 3L), readLog(path()).stream().map(WalDecoder.Line::revision).toList(),
                "the batch's revision on its begin line");
        Store replayed = new Store();
        WalReplay.replay(path(), false, unit -> unit.applyTo(replayed));
        assertEquals(3, replayed.revision());
        assertEquals(2, replayed.get(utf8("a"), T0).version());
    }

    @Test
    void shouldDecideTwoConditionalWritesOfOneKeyInOneGroupOverTheFirst() throws Exception {
        open(false);
        commit(List.of(set("k", "0")));

        List<Outcome> outcomes = commit(
                List.of(check("k", new Condition.ModRevision(1)), set("k", "1")),
                List.of(check("k", new Condition.ModRevision(1)), set("k", "2")),
                List.of(check("k", new Condition.ModRevision(2)), set("k", "3")),
                List.of(check("k", new Condition.Exists(false)), set("k", "4")));

        assertEquals(2, outcomes.get(0).revision());
        assertTrue(outcomes.get(1).isRefused(), "the first write of the group moved k on: the second sees it");
        assertEquals(2, outcomes.get(1).refusal().modRevision());
        assertEquals(2, outcomes.get(1).revision());
        assertEquals(3, outcomes.get(2).revision());
        assertTrue(outcomes.get(3).isRefused());
        assertEquals(3, outcomes.get(3).refusal().modRevision());
        assertEquals("3", new String(store.get(utf8("k"), T0).value(), StandardCharsets.UTF_8));
        assertEquals(3, readLog(path()).size(), "refused writes are not logged");
    }

    @Test
    void shouldNeitherLogNorCountADeleteThatFindsNothing() throws Exception {
        open(false);
        commit(List.of(set("k", "0")));

        List<Outcome> outcomes = commit(List.of(new Op.Delete(utf8("k"))), List.of(new Op.Delete(utf8("k"))),
                List.of(new Op.Delete(utf8("never"))));

        assertTrue(outcomes.get(0).results().get(0).existed());
        assertFalse(outcomes.get(1).results().get(0).existed(), "the first delete of the group took it");
        assertFalse(outcomes.get(2).results().get(0).existed());
        assertEquals(List.of(2L, 2L, 2L), outcomes.stream().map(Outcome::revision).toList());
        assertEquals(2, readLog(path()).size());
        assertEquals(List.of("1 PUT k", "2 DELETE k"), heard);
    }

    @Test
    void shouldExpireDueEntriesFirstEachWithItsRevisionByDeadlineThenKey() throws Exception {
        open(false);
        commit(List.of(new Op.Set(utf8("a"), utf8("1"), T0 + 5_000), new Op.Set(utf8("c"), utf8("1"), T0 + 3_000),
                new Op.Set(utf8("b"), utf8("1"), T0 + 3_000), new Op.Set(utf8("later"), utf8("1"), T0 + 9_000)));
        now.set(T0 + 5_000);

        Outcome write = commit(List.of(set("a", "2"))).get(0);

        assertFalse(write.results().get(0).existed(), "a write meeting a key past its deadline creates it");
        assertEquals(5, write.revision());
        List<String> expected = List.of("2 EXPIRE b", "3 EXPIRE c", "4 EXPIRE a", "5 PUT a");
        assertEquals(expected, heard.subList(4, heard.size()));
        List<WalDecoder.Line> log = readLog(path());
        assertEquals(List.of("expire b 2", "expire c 3", "expire a 4", "set a 5"), log.subList(log.size() - 4, log.size()).stream()
                .map(l -> (l.op() instanceof Op.Expire ? "expire " : "set ") + new String(l.op().key(),
                        StandardCharsets.UTF_8) + " " + l.revision()).toList());
        Entry a = store.get(utf8("a"), now.get());
        assertEquals(5, a.createRevision());
        assertEquals(1, a.version());
    }

    @Test
    void shouldLogExpiriesWhileNothingElseIsWritten() throws Exception {
        open(false);
        commit(List.of(new Op.Set(utf8("k"), utf8("1"), T0 + 1_000)));
        int forces = channel.forces.get();

        group.commit(List.of());
        assertEquals(1, readLog(path()).size(), "nothing due yet, nothing written");
        now.set(T0 + 1_000);
        group.commit(List.of());

        assertEquals(2, readLog(path()).size());
        assertEquals(forces + 1, channel.forces.get(), "the expiry is fsynced like any change");
        assertEquals(2, store.revision());
        assertNull(store.get(utf8("k"), Long.MIN_VALUE), "gone from memory, not only hidden");
    }

    @Test
    void shouldTryExpiriesAgainWhenTheirGroupCouldNotBeStored() throws Exception {
        open(false);
        commit(List.of(new Op.Set(utf8("k"), utf8("1"), T0 + 1_000)));
        now.set(T0 + 2_000);
        channel.spaceLimit = channel.size();

        CompletableFuture<Outcome> refused = new CompletableFuture<>();
        group.commit(List.of(new LogTask.Append(List.of(set("other", "1")), encoder.encodeUnit(
                List.of(set("other", "1")), now.get()), refused)));
        assertThrows(Exception.class, refused::get);
        assertEquals(1, store.revision());

        channel.spaceLimit = Long.MAX_VALUE;
        group.commit(List.of());

        assertEquals(2, store.revision());
        assertTrue(readLog(path()).get(1).op() instanceof Op.Expire);
    }

    @Test
    void shouldStartTheFirstLinesWrittenAfterAnOlderLogWithAVersionMark() throws Exception {
        open(true);
        store.raiseRevision(17);

        commit(List.of(set("a", "1")));
        commit(List.of(set("b", "1")));

        List<WalDecoder.Line> lines = allLines();
        assertEquals(List.of(WalDecoder.Line.Kind.VERSION, WalDecoder.Line.Kind.WRITE, WalDecoder.Line.Kind.WRITE),
                lines.stream().map(WalDecoder.Line::kind).toList());
        assertEquals(17, lines.get(0).revision());
        assertEquals(18, lines.get(1).revision());
    }

    private void open(boolean olderLog) throws IOException {
        file = LogFile.open(path(), f -> channel = FaultyFileChannel.open(f));
        group = new GroupCommit(file, olderLog, FsyncPolicy.ALWAYS, store, now::get,
                (message, cause) -> fail(message), System::nanoTime, LogObserver.NONE);
    }

    private Path path() {
        return dir.resolve(WalFormat.FILE_NAME);
    }

    /** Commits the units as one group; their outcomes. */
    @SafeVarargs
    private List<Outcome> commit(List<Op>... units) throws Exception {
        List<LogTask.Append> appends = new ArrayList<>();
        for (List<Op> ops : units) {
            appends.add(new LogTask.Append(ops, encoder.encodeUnit(ops, now.get()), new CompletableFuture<>()));
        }
        group.commit(appends);
        List<Outcome> outcomes = new ArrayList<>();
        for (LogTask.Append a : appends) {
            outcomes.add(a.done().get());
        }
        return outcomes;
    }

    /** Every line of the log, the version marks included. */
    private List<WalDecoder.Line> allLines() throws Exception {
        List<WalDecoder.Line> lines = new ArrayList<>();
        byte[] bytes = java.nio.file.Files.readAllBytes(path());
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(WalDecoder.parse(bytes, start, i - start, new java.util.zip.CRC32C()));
                start = i + 1;
            }
        }
        return lines;
    }

    private static Op.Check check(String key, Condition condition) {
        return new Op.Check(utf8(key), condition);
    }

    private static Op.Set set(String key, String json) {
        return new Op.Set(utf8(key), utf8(json), Entry.NEVER);
    }
}
