package kvstore.netty.logging;

import kvstore.core.RateLimitedLog;
import kvstore.core.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

import java.util.regex.Pattern;

/**
 * A logger whose warnings and errors go through a {@link RateLimitedLog}: each kind at most once per interval, the
 * next line saying how many were left out. Lower levels pass straight through.
 *
 * <p>A kind is the message's format and its first argument: Ratis names the sender and the peer in the first
 * argument ({@code "{}: Timed out appendEntries ..."} with {@code n1@group->n2}), so a second unreachable peer
 * still gets its own line, while counters in the later arguments do not make every attempt look new. A message
 * Ratis formatted itself ({@code "n1@group->n2-AppendLogResponseHandler: Failed appendEntries (Repeated 6 times in
 * the last 5.001s): ..."}) keeps its name before the first {@code ": "} and has the numbers after it left out.
 */
final class RepeatLimitedLogger extends LegacyAbstractLogger {
    private static final Object[] NONE = {};
    private static final Pattern NUMBERS = Pattern.compile("[0-9]+(\\.[0-9]+)?");

    private final Logger delegate;
    private final RateLimitedLog limited;

    RepeatLimitedLogger(Logger delegate, NanoClock clock) {
        this.name = delegate.getName();
        this.delegate = delegate;
        this.limited = new RateLimitedLog(delegate, clock);
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String format, Object[] arguments,
                                               Throwable cause) {
        Object[] args = arguments == null ? NONE : arguments;
        if (level.toInt() < Level.WARN.toInt()) {
            delegate.atLevel(level).setCause(cause).log(format, args);
            return;
        }
        limited.log(level, kindOf(format, args), format, cause, args);
    }

    static String kindOf(String format, Object[] args) {
        if (args.length > 0) {
            return format + '\u0000' + args[0];
        }
        String text = String.valueOf(format);
        int nameEnd = text.indexOf(": ") + 1;
        return text.substring(0, nameEnd) + NUMBERS.matcher(text.substring(nameEnd)).replaceAll("#");
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    public boolean isTraceEnabled() {
        return delegate.isTraceEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
        return delegate.isDebugEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
        return delegate.isInfoEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
        return delegate.isWarnEnabled();
    }

    @Override
    public boolean isErrorEnabled() {
        return delegate.isErrorEnabled();
    }
}
