package kvstore.netty.http;

import io.netty.channel.embedded.EmbeddedChannel;
import kvstore.core.Engine;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteHandOffTest {
    private final FakeEngine engine = new FakeEngine();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final WriteHandOff handOff = new WriteHandOff(engine, channel.eventLoop());

    @Test
    void shouldHandTheWritesOfOneTurnToTheEngineTogetherInOrder() {
        CompletableFuture<Outcome> first = add("a");
        add("b");
        add("c");
        assertTrue(engine.submitted.isEmpty(), "nothing is handed over before the turn ends");

        channel.runPendingTasks();

        assertEquals(List.of(3), engine.handOffs);
        assertEquals(3, engine.submitted.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(key("abc".substring(i, i + 1)), engine.submitted.get(i).ops().get(0).key());
        }
        engine.complete(0);
        assertTrue(first.isDone(), "each write's stage completes as the engine's does");
    }

    @Test
    void shouldStartANewHandOffInTheNextTurn() {
        add("a");
        channel.runPendingTasks();
        add("b");
        add("c");
        channel.runPendingTasks();

        assertEquals(List.of(1, 2), engine.handOffs);
    }

    private CompletableFuture<Outcome> add(String key) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        handOff.add(new Engine.Submission(List.of(new Op.Set(key(key), key("v"), Entry.NEVER)), FakeEngine.NOW, done));
        return done;
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
