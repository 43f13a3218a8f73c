package kvstore.netty.cli;

import io.netty.handler.ssl.SslContext;
import kvstore.netty.security.AccessRules;
import kvstore.netty.security.BearerToken;
import kvstore.netty.security.TlsFiles;
import picocli.CommandLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The options that decide who may use the server, and their checks at start. */
final class SecurityOptions {
    private static final Logger log = LoggerFactory.getLogger(SecurityOptions.class);

    @Option(names = "--auth-token-file", defaultValue = "${env:KVSTORE_AUTH_TOKEN_FILE}",
            description = "File holding the token every request but GET /health must send as "
                    + "'Authorization: Bearer <token>' (env KVSTORE_AUTH_TOKEN_FILE, default none).")
    Path tokenFile;

    @Option(names = "--insecure-no-auth",
            description = "Allow listening on an address other than loopback without --auth-token-file.")
    boolean insecureNoAuth;

    @Option(names = "--allowed-origins", defaultValue = "${env:KVSTORE_ALLOWED_ORIGINS:-}",
            description = "Comma-separated browser origins allowed to call, e.g. https://app.example.com; "
                    + "a request from any other Origin gets 403 (env KVSTORE_ALLOWED_ORIGINS, default none).")
    String allowedOrigins;

    @Option(names = "--allowed-hosts", defaultValue = "${env:KVSTORE_ALLOWED_HOSTS:-}",
            description = "Comma-separated Host names accepted besides localhost, 127.x.x.x and [::1] while "
                    + "listening on loopback (env KVSTORE_ALLOWED_HOSTS, default none).")
    String allowedHosts;

    @Option(names = "--tls-cert", defaultValue = "${env:KVSTORE_TLS_CERT}",
            description = "PEM certificate chain: serve HTTPS (TLS 1.2/1.3) instead of HTTP; needs --tls-key "
                    + "(env KVSTORE_TLS_CERT, default none).")
    Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:KVSTORE_TLS_KEY}",
            description = "PEM (PKCS#8) private key of --tls-cert (env KVSTORE_TLS_KEY, default none).")
    Path tlsKey;

    /** The failure of a check: the option it names and why, for a one-line error. */
    static final class BadSecurityOption extends Exception {
        final String option;

        BadSecurityOption(String option, String why) {
            super(why, null, false, false);
            this.option = option;
        }
    }

    /** The access rules for a server listening on {@code host}; refuses an open server without a token. */
    AccessRules access(String host) throws BadSecurityOption {
        BearerToken token = null;
        if (tokenFile != null) {
            try {
                token = BearerToken.read(tokenFile);
            } catch (IOException e) {
                throw new BadSecurityOption("--auth-token-file", "cannot read " + tokenFile);
            } catch (IllegalArgumentException e) {
                throw new BadSecurityOption("--auth-token-file", e.getMessage());
            }
        }
        boolean loopback = isLoopback(host);
        if (!loopback && token == null && !insecureNoAuth) {
            throw new BadSecurityOption("--host", host + " is reachable from other machines and no token is set: "
                    + "give --auth-token-file (env KVSTORE_AUTH_TOKEN_FILE), or --insecure-no-auth to let anyone "
                    + "who reaches the port read and write");
        }
        if (!loopback && token == null) {
            log.warn("--insecure-no-auth: {} is reachable from other machines and no token is set: anyone who "
                    + "reaches the port can read, write and delete every key", host);
        }
        return new AccessRules(token, list(allowedOrigins), list(allowedHosts), loopback);
    }

    /** The TLS set-up, or null for plain HTTP. */
    SslContext tls() throws BadSecurityOption {
        if (tlsCert == null && tlsKey == null) {
            return null;
        }
        if (tlsCert == null || tlsKey == null) {
            throw new BadSecurityOption(tlsCert == null ? "--tls-key" : "--tls-cert",
                    "--tls-cert and --tls-key go together");
        }
        try {
            return TlsFiles.serverContext(tlsCert, tlsKey);
        } catch (TlsFiles.BadKeyFile e) {
            throw new BadSecurityOption("--tls-key", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BadSecurityOption("--tls-cert", e.getMessage());
        }
    }

    /** Whether {@code host} names only this machine; an unknown name counts as loopback (binding it fails). */
    static boolean isLoopback(String host) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            return Arrays.stream(all).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException e) {
            return true;
        }
    }

    private static Set<String> list(String commaSeparated) {
        if (commaSeparated == null) {
            return Set.of();
        }
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    static CommandLine.ParameterException asParameterError(CommandLine cli, BadSecurityOption e) {
        return new CommandLine.ParameterException(cli, "Invalid value for option '" + e.option + "': " + e.getMessage());
    }
}
