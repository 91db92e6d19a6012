package org.settee.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects what the server logs at WARN and above while a test runs: a race that ends in a caught
 * exception shows up here even when every client call looked fine.
 */
public final class LogWatch implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();

  private LogWatch() {
    events.start();
    root.addAppender(events);
  }

  /** Starts collecting. */
  public static LogWatch warnings() {
    return new LogWatch();
  }

  /** Every WARN or ERROR so far, one line each with its exception, if any. */
  public List<String> unexpected() {
    synchronized (events) {
      return events.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .map(LogWatch::describe)
          .toList();
    }
  }

  private static String describe(ILoggingEvent e) {
    IThrowableProxy thrown = e.getThrowableProxy();
    return e.getLevel()
        + " "
        + e.getLoggerName()
        + " ["
        + e.getThreadName()
        + "] "
        + e.getFormattedMessage()
        + (thrown == null ? "" : " " + thrown.getClassName() + ": " + thrown.getMessage());
  }

  @Override
  public void close() {
    root.detachAppender(events);
    events.stop();
  }
}
