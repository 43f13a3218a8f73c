package kvstore.netty.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The secret every request but {@code GET /health} must present as {@code Authorization: Bearer <token>}.
 *
 * <p>Only a SHA-256 digest of the token is kept, and a presented token is digested too before the two are
 * compared with {@link MessageDigest#isEqual} (constant time): how long a comparison takes says nothing about
 * the secret, not even its length. Neither token ever appears in a message or in {@link #toString()}.
 */
public final class BearerToken {
    private static final String SCHEME = "bearer";

    private final byte[] digest;

    private BearerToken(byte[] digest) {
        this.digest = digest;
    }

    /** The token {@code text} with the whitespace around it removed; it must not be empty. */
    public static BearerToken of(String text) {
        String token = text.strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the token is empty");
        }
        return new BearerToken(sha256(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** The token held in {@code file}, whitespace around it ignored. */
    public static BearerToken read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return of(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " holds no token");
        }
    }

    /** Whether {@code authorization} (the header's value, or null) is {@code Bearer} and this token. */
    public boolean admits(String authorization) {
        if (authorization == null) {
            return false;
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase(SCHEME)) {
            return false;
        }
        byte[] presented = value.substring(space + 1).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    @Override
    public String toString() {
        return "BearerToken[hidden]";
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
