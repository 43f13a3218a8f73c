package kvstore.client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import java.security.GeneralSecurityException;

/**
 * The TLS context of a client whose endpoints are all plain {@code http://}. The HTTP client sets up a TLS context
 * when it is built, whether or not it will ever use it, and the JDK's default one reads the system's trust store:
 * about a third of a command-line call's start-up. This one trusts no certificate, so it is never used to connect.
 */
final class NoTls {
    static final SSLContext CONTEXT = create();

    private NoTls() {
    }

    private static SSLContext create() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[0], null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no TLS", e);
        }
    }
}
