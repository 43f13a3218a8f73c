package kvstore.netty.logging;

import kvstore.core.time.NanoClock;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider the runnable jar names in {@code META-INF/services}: slf4j-simple's, with Ratis's loggers
 * wrapped by {@link QuietRatisLoggers}. The jar leaves slf4j-simple's own registration out, so SLF4J finds only this.
 */
public final class LoggingProvider implements SLF4JServiceProvider {
    private final SimpleServiceProvider simple = new SimpleServiceProvider();
    // Written once by SLF4J's initialisation, before any logger is handed out.
    private volatile ILoggerFactory loggers;

    @Override
    public void initialize() {
        simple.initialize();
        loggers = new QuietRatisLoggers(simple.getLoggerFactory(), NanoClock.SYSTEM);
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return simple.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return simple.getMDCAdapter();
    }

    @Override
    public String getRequestedApiVersion() {
        return simple.getRequestedApiVersion();
    }
}
