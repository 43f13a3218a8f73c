package kvstore.netty.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * {@code total_operations} of {@code GET /stats}: every get, list, put and delete served, and each operation
 * of a batch. Bad requests and empty batches count nothing. One per server, added to from every event loop.
 */
final class OperationCount {
    private final LongAdder count = new LongAdder();

    /** Counts one served get or list. */
    void one() {
        count.increment();
    }

    /** Counts the {@code n} operations of a write handed to the engine. */
    void add(int n) {
        count.add(n);
    }

    long total() {
        return count.sum();
    }
}
