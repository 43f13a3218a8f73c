package kvstore.core.store;

import java.util.List;

/**
 * What a unit (one write, or one batch) came to: the store's revision its answer reflects (the unit's own when
 * it changed anything), and either one {@link OpResult} per operation or, when a check failed, the
 * {@link Refusal} and nothing applied.
 */
public record Outcome(long revision, List<OpResult> results, Refusal refusal) {
    /**
     * The first check that did not hold: its position in the unit, its key and the key's mod revision as the
     * check saw it (0 when absent).
     */
    public record Refusal(int index, byte[] key, long modRevision) {
    }

    /** A unit applied (or that changed nothing) at {@code revision}. */
    public static Outcome applied(long revision, List<OpResult> results) {
        return new Outcome(revision, results, null);
    }

    /** A unit refused by its check at {@code index}, when the store stood at {@code revision}. */
    public static Outcome refused(long revision, int index, byte[] key, long modRevision) {
        return new Outcome(revision, null, new Refusal(index, key, modRevision));
    }

    public boolean isRefused() {
        return refusal != null;
    }
}
