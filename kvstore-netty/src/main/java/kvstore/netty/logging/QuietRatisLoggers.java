package kvstore.netty.logging;

import kvstore.core.time.NanoClock;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out the underlying factory's loggers, with those of Apache Ratis wrapped in a {@link RepeatLimitedLogger}.
 * Ratis warns once per failed attempt to reach a peer (a heartbeat timing out every few hundred milliseconds,
 * for as long as a member is stopped or cut off); kvstore's own warnings are limited where they are logged.
 */
final class QuietRatisLoggers implements ILoggerFactory {
    static final String RATIS = "org.apache.ratis";

    private final ILoggerFactory plain;
    private final NanoClock clock;
    private final ConcurrentHashMap<String, Logger> ratis = new ConcurrentHashMap<>();

    QuietRatisLoggers(ILoggerFactory plain, NanoClock clock) {
        this.plain = plain;
        this.clock = clock;
    }

    @Override
    public Logger getLogger(String name) {
        if (!name.startsWith(RATIS)) {
            return plain.getLogger(name);
        }
        return ratis.computeIfAbsent(name, n -> new RepeatLimitedLogger(plain.getLogger(n), clock));
    }
}
