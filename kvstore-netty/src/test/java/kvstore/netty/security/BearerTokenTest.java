package kvstore.netty.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BearerTokenTest {
    private final BearerToken token = BearerToken.of("open-sesame");

    @Test
    void shouldAdmitTheTokenWithTheBearerSchemeInAnyCase() {
        assertTrue(token.admits("Bearer open-sesame"));
        assertTrue(token.admits("bearer   open-sesame "));
        assertTrue(token.admits("BEARER open-sesame"));
    }

    @Test
    void shouldRefuseAnyOtherValue() {
        assertFalse(token.admits(null));
        assertFalse(token.admits(""));
        assertFalse(token.admits("open-sesame"));
        assertFalse(token.admits("Basic open-sesame"));
        assertFalse(token.admits("Bearer open-sesam"));
        assertFalse(token.admits("Bearer open-sesame2"));
        assertFalse(token.admits("Bearer"));
        assertFalse(token.admits("Bearer "));
    }

    @Test
    void shouldIgnoreWhitespaceAroundTheTokenInItsFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("token"), "\n  open-sesame \t\n");
        assertTrue(BearerToken.read(file).admits("Bearer open-sesame"));
    }

    @Test
    void shouldRefuseAnEmptyTokenFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("token"), " \n");
        assertThrows(IllegalArgumentException.class, () -> BearerToken.read(file));
    }

    @Test
    void shouldNeverShowTheTokenInItsDescription() {
        assertFalse(token.toString().contains("open-sesame"));
    }
}
