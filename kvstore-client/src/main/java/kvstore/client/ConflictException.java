package kvstore.client;

/**
 * The server cannot do that now ({@code 409}): a compaction is already running, or the last member of a cluster
 * cannot be removed. Nothing was changed.
 */
public final class ConflictException extends KvException {
    private static final long serialVersionUID = 1L;

    ConflictException(Failure failure) {
        super(failure);
    }
}
