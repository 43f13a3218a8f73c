package kvstore.core.watch;

/** Why a watch stream ended (a client that closes its connection ends it too, silently). */
public enum WatchEnd {
    /** The watcher held more unsent events than its buffer allows, or fell behind the history. */
    TOO_SLOW,
    /**
     * The member's state was replaced by a snapshot (a cluster member that fell far behind): the changes in between
     * are not known here.
     */
    COMPACTED
}
