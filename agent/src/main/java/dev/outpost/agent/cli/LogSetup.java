package dev.outpost.agent.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.status.NopStatusListener;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.outpost.agent.status.Timestamps;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Logback set up in code rather than from logback.xml: the XML configurator loads about 600 classes (Joran and
 * the JDK's XML parser) that would sit in the agent's metaspace for its whole life. Logs go to stderr, one line per
 * event as the pattern {@value #PATTERN} would print it, formatted by {@link LineLayout}: Logback's PatternLayout
 * (its pattern parser, converters and the 68 lambdas of its converter map, about 150 classes) is never loaded.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} %-5level %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LineLayout layout = new LineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        // With a status listener registered, Logback does not print its own status at the end of its set-up, so its
        // StatusPrinter is never loaded: that class's initialiser makes a formatter in the system's time zone, which
        // loads the JDK's whole time-zone database (230 KB of heap for the process's life; jcmd GC.heap_dump).
        context.getStatusManager().add(new NopStatusListener());
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * {@link #PATTERN}, and after the line the stack trace of the event's throwable, as PatternLayout adds it. The time
     * is written by {@link Timestamps#appendMillis}, not the JDK's formatter, whose ~60 classes (java.time.format, its
     * temporal fields and chronology) would otherwise stay loaded for the daemon's life for this alone.
     */
    static final class LineLayout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(128);
            if (!Timestamps.appendMillis(event.getInstant(), line)) {
                Wide.TIME.formatTo(event.getInstant(), line);
            }
            line.append(' ');
            String level = event.getLevel().toString();
            line.append(level);
            for (int pad = level.length(); pad < 5; pad++) {
                line.append(' ');
            }
            String logger = event.getLoggerName();
            line.append(' ').append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(" - ")
                    .append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                line.append(ThrowableProxyUtil.asString(thrown));
            }
            return line.toString();
        }
    }

    /** The pattern's formatter, for times {@link Timestamps#appendMillis} does not write (outside the years 1 to 9999). */
    private static final class Wide {
        static final DateTimeFormatter TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
    }
}
