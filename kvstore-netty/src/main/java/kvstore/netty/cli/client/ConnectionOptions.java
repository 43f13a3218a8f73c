package kvstore.netty.cli.client;

import kvstore.client.KvClient;
import kvstore.client.KvClientBuilder;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** Where the client subcommands connect and how they prove who they are: every subcommand takes these. */
final class ConnectionOptions {
    @Option(names = "--url", defaultValue = "${env:KVSTORE_URL:-http://127.0.0.1:8080}", split = ",",
            paramLabel = "URL", description = "The server, or the members of a cluster comma-separated "
                    + "(env KVSTORE_URL, default http://127.0.0.1:8080).")
    List<String> urls;

    @Option(names = "--token-file", defaultValue = "${env:KVSTORE_AUTH_TOKEN_FILE}", paramLabel = "FILE",
            description = "File holding the server's token (env KVSTORE_AUTH_TOKEN_FILE, the server's own setting).")
    Path tokenFile;

    @Option(names = "--cacert", defaultValue = "${env:KVSTORE_CACERT}", paramLabel = "PEM",
            description = "Trust the certificates in this PEM file for https (the server's own or its CA) "
                    + "(env KVSTORE_CACERT, default the JDK's trusted CAs).")
    Path cacert;

    @Option(names = "--timeout", defaultValue = "${env:KVSTORE_TIMEOUT:-30}", paramLabel = "SECONDS",
            description = "Seconds to wait for an answer (env KVSTORE_TIMEOUT, default 30).")
    double timeoutSeconds;

    /** A client for these options, {@code more} adjusting the rest; IllegalArgumentException names a bad one. */
    KvClient client(UnaryOperator<KvClientBuilder> more) {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new IllegalArgumentException("--timeout: " + timeoutSeconds + " is not 0 to 86400 seconds");
        }
        KvClientBuilder builder = KvClient.builder()
                .requestTimeout(Duration.ofMillis((long) Math.ceil(timeoutSeconds * 1000)));
        try {
            builder.endpoints(urls.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url: " + e.getMessage(), e);
        }
        try {
            if (tokenFile != null) {
                builder.tokenFile(tokenFile);
            }
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new IllegalArgumentException("--token-file: " + e.getMessage(), e);
        }
        try {
            if (cacert != null) {
                builder.trustCertificates(cacert);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cacert: " + e.getMessage(), e);
        }
        return more.apply(builder).build();
    }
}
