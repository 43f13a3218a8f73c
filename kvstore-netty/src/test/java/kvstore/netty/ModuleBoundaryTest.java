package kvstore.netty;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP layer reaches replication only through kvstore-core's interfaces; only the composition root names it. */
class ModuleBoundaryTest {
    private static final Path SOURCES = Path.of("src", "main", "java", "kvstore", "netty");
    private static final Path COMPOSITION_ROOT = SOURCES.resolve("cli");

    @Test
    void shouldNameKvstoreRaftOnlyInTheCompositionRoot() throws IOException {
        assertTrue(Files.isDirectory(SOURCES), "run from the module directory: " + SOURCES.toAbsolutePath());
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            offenders = files.filter(f -> f.toString().endsWith(".java") && !f.startsWith(COMPOSITION_ROOT))
                    .filter(ModuleBoundaryTest::namesRaft).toList();
        }
        assertEquals(List.of(), offenders, "these name kvstore.raft; put what they need behind kvstore-core's interfaces");
    }

    private static boolean namesRaft(Path file) {
        try {
            return Files.readString(file).contains("kvstore.raft");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
