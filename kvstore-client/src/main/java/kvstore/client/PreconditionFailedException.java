package kvstore.client;

/**
 * A conditional write found its condition false ({@code 412}) and wrote nothing: the key was not at the revision
 * asked for, existed when it had to be absent, or a batch's check did not hold ({@link #index()} names it).
 * {@link #modRevision()} is the key's current {@code mod_revision} (0 when it is absent): read the key again,
 * or try again with that revision.
 */
public final class PreconditionFailedException extends KvException {
    private static final long serialVersionUID = 1L;

    PreconditionFailedException(Failure failure) {
        super(failure);
    }

    /** The key whose condition did not hold. */
    public String key() {
        return body() != null && body().hasNonNull("key") ? body().get("key").asText() : null;
    }

    /** The key's {@code mod_revision} when the condition was checked; 0 when it was absent. */
    public long modRevision() {
        return body() != null ? body().path("mod_revision").asLong() : 0;
    }

    /** The position of the failed check in a batch, or -1 for a single conditional write. */
    public int index() {
        return body() != null && body().has("index") ? body().get("index").asInt() : -1;
    }
}
