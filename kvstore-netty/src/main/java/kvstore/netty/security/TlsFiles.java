package kvstore.netty.security;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The server's TLS set-up from a PEM certificate chain and a PEM (PKCS#8) private key: TLS 1.2 and 1.3 only,
 * the JDK's provider, and for TLS 1.2 only the forward-secret AEAD suites of Mozilla's "intermediate" profile
 * (ECDHE or DHE key exchange; AES-GCM or ChaCha20-Poly1305), so no client can settle for RSA key exchange or CBC. A file that cannot be read, or a key that does not belong to the certificate, is refused
 * at start with an {@link IllegalArgumentException} whose message is one line naming the file.
 */
public final class TlsFiles {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** TLS 1.3's suites (all AEAD and forward-secret), then Mozilla's intermediate TLS 1.2 suites, preferred first. */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsFiles() {
    }

    /** The key file is unusable for a reason of its own (its format), so the message names it, not the pair. */
    public static final class BadKeyFile extends IllegalArgumentException {
        BadKeyFile(String message) {
            super(message);
        }
    }

    public static SslContext serverContext(Path cert, Path key) {
        readable(cert);
        readable(key);
        requirePkcs8(key);
        SslContext context;
        try {
            context = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use " + cert + " and " + key
                    + " for TLS: not a PEM certificate and a PEM (PKCS#8) private key");
        }
        requireMatch(cert, key);
        return context;
    }

    /**
     * openssl writes EC keys as SEC1 and older versions RSA keys as PKCS#1, which the JDK cannot read: say so,
     * with the command that converts them, rather than that the pair is unusable.
     */
    private static void requirePkcs8(Path key) {
        String pem;
        try {
            pem = Files.readString(key, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + key);
        }
        String kind = pem.contains("-----BEGIN EC PRIVATE KEY-----") ? "a SEC1 EC key"
                : pem.contains("-----BEGIN RSA PRIVATE KEY-----") ? "a PKCS#1 RSA key"
                : pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") ? "an encrypted key" : null;
        if (kind != null) {
            throw new BadKeyFile(key + " holds " + kind + "; kvstore reads unencrypted PKCS#8 keys: convert it with "
                    + "openssl pkcs8 -topk8 -nocrypt -in " + key + " -out " + key + ".pk8");
        }
    }

    /** Checks that {@code file} holds at least one PEM certificate (an authority to trust). */
    public static void requireCertificates(Path file) {
        readable(file);
        try (InputStream in = Files.newInputStream(file)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new IllegalArgumentException(file + " holds no PEM certificate");
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(file + " is not a PEM certificate");
        }
    }

    private static void readable(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read " + file);
        }
    }

    /** Signs with the key and checks the signature with the certificate's public key. */
    private static void requireMatch(Path cert, Path key) {
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(cert))) {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            PrivateKey privateKey = PemKey.read(key);
            String algorithm = privateKey.getAlgorithm().equals("EC") ? "SHA256withECDSA"
                    : privateKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "Ed25519";
            byte[] probe = "kvstore".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException(key + " is not the private key of the certificate in " + cert);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(key + " is not the private key of the certificate in " + cert);
        }
    }
}
