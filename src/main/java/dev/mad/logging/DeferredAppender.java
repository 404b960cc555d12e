package dev.mad.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds log events until the appender they are meant for exists, then hands them over in order and
 * forwards every later event to it. Lets a command-line analysis build its log file's appender on
 * another thread while the analysis runs (see {@link LogSetup#batch}). Holds {@link #MAX_WAITING}
 * events at most; later ones are dropped until the target arrives (and counted in its place).
 */
final class DeferredAppender extends AppenderBase<ILoggingEvent> {
  static final int MAX_WAITING = 10_000;

  private final List<ILoggingEvent> waiting = new ArrayList<>();
  private Appender<ILoggingEvent> target;
  private long dropped;

  @Override
  protected void append(ILoggingEvent event) {
    // AppenderBase.doAppend holds this object's lock, as forwardTo does
    if (target != null) {
      target.doAppend(event);
    } else if (waiting.size() < MAX_WAITING) {
      event.prepareForDeferredProcessing();
      waiting.add(event);
    } else {
      dropped++;
    }
  }

  /** Hands the waiting events to {@code appender} and forwards every later one. */
  synchronized void forwardTo(Appender<ILoggingEvent> appender) {
    waiting.forEach(appender::doAppend);
    waiting.clear();
    if (dropped > 0) {
      addWarn(dropped + " log events were dropped while the log file was being opened");
    }
    target = appender;
  }

  synchronized int waitingCount() {
    return waiting.size();
  }
}
