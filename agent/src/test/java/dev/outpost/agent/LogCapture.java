package dev.outpost.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The log lines of some loggers, as the agent would have written them, for tests to read; detach by closing. */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Logger> loggers = new ArrayList<>();

    public LogCapture(String... names) {
        appender.start();
        for (String name : names) {
            Logger l = (Logger) LoggerFactory.getLogger(name);
            l.addAppender(appender);
            loggers.add(l);
        }
    }

    /** Every event so far. */
    public synchronized List<ILoggingEvent> events() {
        return List.copyOf(appender.list);
    }

    /** The messages at {@code level}, formatted, in order. */
    public List<String> messages(Level level) {
        return events().stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Whether any event carries a stack trace. */
    public boolean anyStackTrace() {
        return events().stream().anyMatch(e -> e.getThrowableProxy() != null);
    }

    @Override
    public void close() {
        loggers.forEach(l -> l.detachAppender(appender));
        appender.stop();
    }
}
