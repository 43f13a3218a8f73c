package kvstore.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bearer token against a server that wants one. (TLS with --cacert is tested through the jar: test_cli_client.py.) */
class TokenAndTlsTest {
    @TempDir
    Path dir;

    @Test
    void shouldSendTheTokenTheServerWants() throws Exception {
        try (InProcessServer server = InProcessServer.startWithToken(dir.resolve("data"), "s3cret")) {
            try (KvClient anonymous = KvClient.builder().endpoints(server.url()).build()) {
                UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> anonymous.get("k"));
                assertEquals(401, e.status());
                assertEquals("unauthorized", e.serverError());
            }
            Path tokenFile = Files.writeString(dir.resolve("token"), "  s3cret\n");
            try (KvClient client = KvClient.builder().endpoints(server.url()).tokenFile(tokenFile).build()) {
                client.put("k", KvClient.parseJson("1"));
                assertEquals("1", client.get("k").valueJson());
            }
        }
    }
}
