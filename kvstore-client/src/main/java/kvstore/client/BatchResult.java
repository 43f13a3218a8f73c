package kvstore.client;

import java.util.List;

/**
 * An applied batch: one {@link OpResult} per operation, in order, and the store's revision after it (the batch's
 * own revision when it changed anything; 0 from a server from before revisions).
 *
 * @param results  one result per operation of the batch
 * @param revision the store's revision after the batch
 */
public record BatchResult(List<OpResult> results, long revision) {
    /** The result of the operation at {@code index}. */
    public OpResult get(int index) {
        return results.get(index);
    }
}
