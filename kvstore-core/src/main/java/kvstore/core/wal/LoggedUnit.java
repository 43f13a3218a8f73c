package kvstore.core.wal;

import kvstore.core.store.Op;
import kvstore.core.store.Store;

import java.util.List;

/**
 * One unit of a log as replay reads it back: a single write or a whole batch, the revision the log gives it, and
 * its timestamp. A unit of a version 1 log has no revision ({@link Store#NO_REVISION}): it is counted as it is
 * applied. A version mark is a unit without writes: the revision the store stood at.
 */
public record LoggedUnit(List<Op> ops, long revision, long timestampMillis) {
    /** Applies the unit to {@code store}, the one way a store is rebuilt from a log. */
    public void applyTo(Store store) {
        if (revision == Store.NO_REVISION) {
            store.applyUnit(ops, timestampMillis);
        } else if (ops.isEmpty()) {
            store.raiseRevision(revision);
        } else {
            store.apply(ops, revision, timestampMillis);
        }
    }
}
