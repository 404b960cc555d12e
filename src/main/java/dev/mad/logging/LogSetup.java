package dev.mad.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import dev.mad.files.LogsDir;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Adds the log files once the logs directory is known. {@link LogConfigurator} sets up only the console
 * appender: logging starts before the configuration is read (Vert.x's classes log as they
 * load), and files declared there would be created in the wrong directory.
 */
public final class LogSetup {
  private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss} - %level - %logger{0} - %msg%n";

  private LogSetup() {}

  /** Server: {@code system_monitor.log} for everything, {@code csv_analysis.log} for uploads' analyses too. */
  public static void server(Path logsDir) {
    LoggerContext context = context();
    if (context == null) {
      return;
    }
    context
        .getLogger(Logger.ROOT_LOGGER_NAME)
        .addAppender(rolling(context, logsDir, LogsDir.SERVER_LOG, 20, 500));
    RollingFileAppender<ILoggingEvent> analyses =
        rolling(context, logsDir, LogsDir.ANALYSIS_LOG, 20, 200);
    context.getLogger("dev.mad.batch").addAppender(analyses);
    context.getLogger("dev.mad.analysis").addAppender(analyses);
  }

  /**
   * Command-line analysis: its log goes to {@code csv_analysis.log} only; the console is the summary's.
   * The file's appender is built on another thread while the analysis runs (it costs about 0.14 s in
   * the C1-only child JVM, 200k rows on 2 cores, 2026-12-02: 8 % of the run); events logged meanwhile
   * wait in a {@link DeferredAppender}. Close the returned handle before the process exits, so that
   * every event has reached the file.
   */
  public static Pending batch(Path logsDir) {
    LoggerContext context = context();
    if (context == null) {
      return new Pending(null);
    }
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.setLevel(Level.INFO);
    DeferredAppender deferred = new DeferredAppender();
    deferred.setContext(context);
    deferred.setName("deferred-" + LogsDir.ANALYSIS_LOG);
    deferred.start();
    root.addAppender(deferred);
    Thread setup =
        new Thread(
            () -> deferred.forwardTo(rolling(context, logsDir, LogsDir.ANALYSIS_LOG, 20, 200)),
            "mad-log-files");
    setup.setDaemon(true);
    setup.start();
    return new Pending(setup);
  }

  /** The log file being opened by {@link #batch}; {@link #close} waits until it is. */
  public record Pending(Thread setup) implements AutoCloseable {
    @Override
    public void close() {
      if (setup == null) {
        return;
      }
      try {
        setup.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * An analysis child process ({@code dev.mad.analysis.ChildAnalysis}): every event goes to standard
   * error as one line {@code LEVEL<TAB>logger<TAB>message}, which the server logs again under the same
   * logger, so the child's lines reach the server's own log files; standard output stays free.
   */
  public static void child() {
    LoggerContext context = context();
    if (context == null) {
      return;
    }
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.setLevel(Level.INFO);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    // one line per event: no stack traces (%nopex), line breaks in messages made spaces
    encoder.setPattern("%level\t%logger\t%replace(%msg){'[\r\n]+', ' '}%n%nopex");
    encoder.start();
    ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
    err.setContext(context);
    err.setName("CHILD");
    err.setTarget("System.err");
    err.setEncoder(encoder);
    err.start();
    root.addAppender(err);
  }

  /**
   * Opens every log file again under its name, creating missing directories: after the logs
   * directory was deleted while the server ran, the appenders would otherwise go on writing to
   * deleted files.
   */
  public static void reopenFiles() {
    LoggerContext context = context();
    if (context == null) {
      return;
    }
    Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Logger logger : context.getLoggerList()) {
      for (var it = logger.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof FileAppender<ILoggingEvent> file
            && file.isStarted()
            && done.add(file)) {
          try {
            file.openFile(file.getFile());
          } catch (IOException e) {
            LoggerFactory.getLogger(LogSetup.class)
                .error("Cannot open the log file {} again: {}", file.getFile(), e.toString());
          }
        }
      }
    }
  }

  private static LoggerContext context() {
    return LoggerFactory.getILoggerFactory() instanceof LoggerContext c ? c : null;
  }

  private static RollingFileAppender<ILoggingEvent> rolling(
      LoggerContext context, Path dir, String name, int maxFileMb, int totalCapMb) {
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setName(name);
    appender.setFile(dir.resolve(name + ".log").toString());
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(appender);
    policy.setFileNamePattern(dir.resolve(name + ".%d{yyyy-MM-dd}.%i.log").toString());
    policy.setMaxFileSize(FileSize.valueOf(maxFileMb + "MB"));
    policy.setMaxHistory(14);
    policy.setTotalSizeCap(FileSize.valueOf(totalCapMb + "MB"));
    policy.start();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    appender.setEncoder(encoder);
    appender.setRollingPolicy(policy);
    appender.start();
    return appender;
  }
}
