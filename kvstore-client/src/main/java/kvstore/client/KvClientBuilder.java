package kvstore.client;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of a {@link KvClient}, from {@link KvClient#builder()}:
 *
 * <pre>{@code
 * KvClient client = KvClient.builder()
 *         .endpoints("https://10.0.0.1:8080", "https://10.0.0.2:8080", "https://10.0.0.3:8080")
 *         .tokenFile(Path.of("/etc/kvstore/token"))
 *         .trustCertificates(Path.of("/etc/kvstore/ca.pem"))
 *         .requestTimeout(Duration.ofSeconds(15))
 *         .build();
 * }</pre>
 * Defaults: {@code http://127.0.0.1:8080}, no token, the JDK's trusted certificates, a 5 s connect timeout, a
 * 30 s request timeout (longer than a cluster's 10 s wait for a majority), pages of 1000 keys, 100 attempts for
 * {@link KvClient#update}, and watches that reconnect after 0.1 s, doubling up to 5 s.
 */
public final class KvClientBuilder {
    private final List<URI> endpoints = new ArrayList<>();
    private String token;
    private SSLContext tls;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private WatchSettings watch = WatchSettings.DEFAULT;
    private int pageSize = 1000;
    private int updateAttempts = 100;

    KvClientBuilder() {
    }

    /**
     * The servers to talk to: one server, or every member of a cluster (any member serves any request). A call
     * goes to the one that answered last and moves on to the next when it cannot be reached or answers 503.
     */
    public KvClientBuilder endpoints(String... urls) {
        List<URI> uris = new ArrayList<>();
        for (String url : urls) {
            uris.add(URI.create(url.strip()));
        }
        return endpoints(uris);
    }

    /** The servers to talk to, as URIs; see {@link #endpoints(String...)}. */
    public KvClientBuilder endpoints(List<URI> uris) {
        new Endpoints(uris); // refuses a URL that is not http(s) with a host now, where the caller named it
        endpoints.clear();
        endpoints.addAll(uris);
        return this;
    }

    /** The server's token, sent as {@code Authorization: Bearer <token>} with every request. */
    public KvClientBuilder token(String token) {
        this.token = token == null ? null : token.strip();
        return this;
    }

    /** Reads the token from {@code file} (blanks around it ignored), as the server reads its token file. */
    public KvClientBuilder tokenFile(Path file) {
        try {
            String read = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (read.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no token");
            }
            return token(read);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Trusts the certificates in PEM file {@code pem} (the server's own, or the CA that signed it) for https. */
    public KvClientBuilder trustCertificates(Path pem) {
        this.tls = TrustStores.fromPem(pem);
        return this;
    }

    /** Trusts the certificates of {@code trustStore} for https. */
    public KvClientBuilder trustStore(KeyStore trustStore) {
        try {
            this.tls = TrustStores.trusting(trustStore);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the trust store: " + e.getMessage(), e);
        }
        return this;
    }

    /** The TLS set-up to use as it is (client certificates, a custom trust manager). */
    public KvClientBuilder sslContext(SSLContext context) {
        this.tls = context;
        return this;
    }

    /** How long to wait for a connection to an endpoint before trying the next one. */
    public KvClientBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = positive(timeout, "connect timeout");
        return this;
    }

    /** How long to wait for an answer; a write that times out has an unknown outcome. */
    public KvClientBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = positive(timeout, "request timeout");
        return this;
    }

    /**
     * How watches reconnect: the first pause, the longest, and the silence after which a stream is taken for dead
     * (more than the server's 10 s between progress events).
     */
    public KvClientBuilder watchReconnect(Duration initialPause, Duration maxPause, Duration idleTimeout) {
        this.watch = new WatchSettings(initialPause, maxPause, positive(idleTimeout, "idle timeout"));
        return this;
    }

    /** How many keys {@link KvClient#keys} and {@link KvClient#entries} fetch per request (1 to 10000). */
    public KvClientBuilder pageSize(int keys) {
        if (keys < 1 || keys > Pages.MAX_LIMIT) {
            throw new IllegalArgumentException("a page holds 1 to " + Pages.MAX_LIMIT + " keys, not " + keys);
        }
        this.pageSize = keys;
        return this;
    }

    /** How many times {@link KvClient#update} tries before it gives up on a key that others keep changing. */
    public KvClientBuilder updateAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("at least one attempt, not " + attempts);
        }
        this.updateAttempts = attempts;
        return this;
    }

    /** A client with these settings. */
    public KvClient build() {
        List<URI> uris = endpoints.isEmpty() ? List.of(URI.create("http://127.0.0.1:8080")) : List.copyOf(endpoints);
        return new KvClient(new Endpoints(uris), token, tls, connectTimeout, requestTimeout, watch, pageSize,
                updateAttempts);
    }

    private static Duration positive(Duration d, String what) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("a " + what + " is positive, not " + d);
        }
        return d;
    }
}
