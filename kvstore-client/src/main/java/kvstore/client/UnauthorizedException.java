package kvstore.client;

/**
 * The server wants a token or another one ({@code 401}), or refused the request's origin or host ({@code 403}).
 * Nothing was done. Give the client the server's token with {@link KvClientBuilder#token(String)}.
 */
public final class UnauthorizedException extends KvException {
    private static final long serialVersionUID = 1L;

    UnauthorizedException(Failure failure) {
        super(failure);
    }
}
