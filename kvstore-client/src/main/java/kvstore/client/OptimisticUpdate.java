package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * {@link KvClient#update}: read, change, write on the condition that nobody wrote in between ({@code If-Match} on
 * the revision read, or {@code If-None-Match: *} for an absent key), and on a {@code 412} read again after a short
 * random pause that grows with the attempts, so that contending updaters spread out.
 */
final class OptimisticUpdate {
    /** The longest pause between two attempts. */
    private static final long MAX_PAUSE_MICROS = 50_000;

    private OptimisticUpdate() {
    }

    static PutResult run(KvClient client, String key, UnaryOperator<JsonNode> change, int attempts) {
        for (int attempt = 1; ; attempt++) {
            Optional<KeyValue> current = client.find(key);
            JsonNode next = change.apply(current.map(KeyValue::value).orElse(null));
            if (next == null) {
                return null;
            }
            try {
                return current.isPresent() ? client.putIfRevision(key, next, current.get().modRevision())
                        : client.putIfAbsent(key, next);
            } catch (PreconditionFailedException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                pause(attempt);
            }
        }
    }

    private static void pause(int attempt) {
        long most = Math.min(MAX_PAUSE_MICROS, 500L << Math.min(attempt, 10));
        try {
            TimeUnit.MICROSECONDS.sleep(ThreadLocalRandom.current().nextLong(most));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException(Failure.unanswered("interrupted while updating", e));
        }
    }
}
