package kvstore.client;

/**
 * The server refused the request as malformed ({@code 400}): a bad key, a value that is not JSON, a bad parameter,
 * or a bad batch operation ({@link #index()} names it). Nothing was written.
 */
public final class BadRequestException extends KvException {
    private static final long serialVersionUID = 1L;

    BadRequestException(Failure failure) {
        super(failure);
    }

    /** The position of the first bad operation of a batch, or -1 when the server named none. */
    public int index() {
        return body() != null && body().has("index") ? body().get("index").asInt() : -1;
    }
}
