package kvstore.client;

/** The key (or another thing asked for, such as a cluster member) does not exist: the server answered {@code 404}. */
public final class NotFoundException extends KvException {
    private static final long serialVersionUID = 1L;

    NotFoundException(Failure failure) {
        super(failure);
    }
}
