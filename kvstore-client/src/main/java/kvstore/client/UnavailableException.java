package kvstore.client;

/**
 * No endpoint could serve the request: every one refused the connection, could not be reached, or answered
 * {@code 503} (a cluster member without a majority, a server shutting down). When this is thrown for a write,
 * the write was not applied: a write that may have been is reported as {@link OutcomeUnknownException} instead.
 */
public final class UnavailableException extends KvException {
    private static final long serialVersionUID = 1L;

    UnavailableException(Failure failure) {
        super(failure);
    }
}
