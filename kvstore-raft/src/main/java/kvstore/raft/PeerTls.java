package kvstore.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

import java.nio.file.Path;

/**
 * Mutual TLS between members: each presents {@code cert} (with its private {@code key}) and accepts only a peer
 * whose certificate {@code ca} signed, on the Raft port and on every connection it opens to another member's.
 *
 * @param cert PEM certificate chain of this member; it must name the member's Raft host, which peers check
 * @param key PEM (PKCS#8) private key of {@code cert}
 * @param ca PEM certificate of the authority that signs every member's certificate
 */
public record PeerTls(Path cert, Path key, Path ca) {
    /** The Ratis parameters that put every gRPC channel of a server or client on this TLS, client certificates required. */
    Parameters parameters() {
        Parameters p = new Parameters();
        GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(key.toFile(), cert.toFile(), ca.toFile(), true));
        return p;
    }

    /** The parameters of {@code tls}, or none (plain connections) when it is null. */
    static Parameters parametersOf(PeerTls tls) {
        return tls == null ? new Parameters() : tls.parameters();
    }
}
