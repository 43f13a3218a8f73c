package kvstore.client;

/**
 * A write was sent but its outcome is unknown: the connection was lost or timed out before the answer came, or
 * the server answered {@code 503} "outcome unknown" (a cluster that lost its majority while the write was on its
 * way). The write may have been applied, or may still be applied later; it may also never be.
 *
 * <p>The client never sends such a write again on its own, because applying it twice (a second PUT over a newer
 * value, an increment counted twice) could be wrong. A conditional write ({@code putIfAbsent}, {@code
 * putIfRevision}, {@code deleteIfRevision}) is tried again, since it can be applied at most once; this exception
 * is then thrown only when the retry's {@code 412} could mean either that the first attempt was applied or that
 * another client wrote meanwhile. Read the key to find out which, as the application sees fit.
 */
public final class OutcomeUnknownException extends KvException {
    private static final long serialVersionUID = 1L;

    OutcomeUnknownException(Failure failure) {
        super(failure);
    }
}
