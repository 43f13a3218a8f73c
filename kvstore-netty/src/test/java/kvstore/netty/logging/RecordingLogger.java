package kvstore.netty.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import java.util.ArrayList;
import java.util.List;

/** A logger that keeps each line it is given, formatted, with its level and cause. */
final class RecordingLogger extends LegacyAbstractLogger {
    record Line(Level level, String text, Throwable cause) {
    }

    final List<Line> lines = new ArrayList<>();

    RecordingLogger(String name) {
        this.name = name;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String format, Object[] args,
                                               Throwable cause) {
        lines.add(new Line(level, MessageFormatter.basicArrayFormat(format, args), cause));
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    public boolean isTraceEnabled() {
        return true;
    }

    @Override
    public boolean isDebugEnabled() {
        return true;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }
}
