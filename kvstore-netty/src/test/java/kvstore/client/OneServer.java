package kvstore.client;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A fresh server in this JVM and a client of it for each test ({@code @RegisterExtension}), on a data directory of
 * its own that is deleted afterwards.
 */
final class OneServer implements BeforeEachCallback, AfterEachCallback {
    private final UnaryOperator<KvClientBuilder> settings;
    private Path dir;
    private InProcessServer server;
    private KvClient client;

    /** {@code settings} adjusts the client's builder (its endpoint is the server). */
    OneServer(UnaryOperator<KvClientBuilder> settings) {
        this.settings = settings;
    }

    InProcessServer server() {
        return server;
    }

    KvClient client() {
        return client;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("kvstore-client-test");
        server = InProcessServer.start(dir.resolve("data"));
        client = settings.apply(KvClient.builder().endpoints(server.url())).build();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            client.close();
            server.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(OneServer::delete);
            }
        }
    }

    private static void delete(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
