package kvstore.netty.cli.client;

import java.math.BigDecimal;
import java.time.Duration;

/** A TTL typed as seconds (fractions allowed, as the server takes them) turned into the client's Duration. */
final class Ttl {
    private Ttl() {
    }

    /** {@code seconds} as a Duration, to the nanosecond; a usage error naming {@code where} when out of range. */
    static Duration of(BigDecimal seconds, String where) {
        try {
            BigDecimal[] whole = seconds.divideAndRemainder(BigDecimal.ONE);
            return Duration.ofSeconds(whole[0].longValueExact(), whole[1].movePointRight(9).longValue());
        } catch (ArithmeticException e) {
            throw new ClientCommand.UsageException(where + ": " + seconds + " seconds is out of range");
        }
    }
}
