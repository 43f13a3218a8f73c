package kvstore.core.store;

import java.util.List;

/**
 * Told of every change the {@link Store} applies, in revision order: the watch history and its watchers
 * listen here.
 *
 * <p>Threading: called on the thread that applies writes (the log worker, replay, or the Raft apply thread),
 * once per applied unit (one write, one whole batch, one expiry), after the unit is visible to readers. It must
 * not block and must not call back into the store's writing side.
 */
@FunctionalInterface
public interface ChangeListener {
    /** A listener that ignores everything. */
    ChangeListener NONE = (revision, changes) -> {
    };

    /**
     * The unit of revision {@code revision} was applied; {@code changes} are its changes in the order they were
     * made (several only for a batch), all of that revision.
     */
    void applied(long revision, List<Change> changes);

    /**
     * The store was loaded as it stood at {@code revision}, without the changes that led there (from a snapshot,
     * or a compacted log with nothing after it): no change up to {@code revision} will be told. Called by the
     * engine on the applying thread once the state is loaded (at start, and after a cluster member installs a
     * snapshot), before any later unit.
     */
    default void loaded(long revision) {
    }
}
