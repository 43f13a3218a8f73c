package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Something went wrong talking to kvstore: the base of every exception this client throws (all unchecked).
 *
 * <p>{@link #status()} is the HTTP status the server answered, or 0 when no answer came (no endpoint could be
 * reached, or the connection was lost); {@link #serverError()} is the server's own {@code error} text and
 * {@link #body()} its whole JSON error body. The subclasses name the cases a program usually handles apart:
 * {@link NotFoundException}, {@link PreconditionFailedException}, {@link BadRequestException},
 * {@link UnauthorizedException}, {@link ConflictException}, {@link UnavailableException} and
 * {@link OutcomeUnknownException}. Anything else (a body over the server's limit, a full disk, a memory
 * ceiling) is a plain {@code KvException} with its status.
 */
public class KvException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String serverError;
    private final transient JsonNode body;

    KvException(String message, int status, String serverError, JsonNode body, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.serverError = serverError;
        this.body = body;
    }

    KvException(Failure failure) {
        this(failure.message(), failure.status(), failure.serverError(), failure.body(), failure.cause());
    }

    /** The HTTP status of the server's answer, or 0 when there was none. */
    public int status() {
        return status;
    }

    /** The server's {@code error} text (such as {@code "key not found"}), or null when there was no answer. */
    public String serverError() {
        return serverError;
    }

    /** The server's whole JSON error body, or null when there was none. */
    public JsonNode body() {
        return body;
    }
}
