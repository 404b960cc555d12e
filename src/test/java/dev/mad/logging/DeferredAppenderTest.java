package dev.mad.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class DeferredAppenderTest {
  // the product's own context (a bare new LoggerContext has no MDC adapter for deferred events)
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  private ILoggingEvent event(String message) {
    return new LoggingEvent(
        "test", context.getLogger("test"), Level.INFO, message, null, new Object[0]);
  }

  @Test
  @DisplayName(
      "events logged before the file's appender exists reach it, in order, and later ones follow")
  void handsOverInOrder() {
    DeferredAppender deferred = new DeferredAppender();
    deferred.setContext(context);
    deferred.start();
    deferred.doAppend(event("one"));
    deferred.doAppend(event("two"));
    assertThat(deferred.waitingCount()).isEqualTo(2);
    ListAppender<ILoggingEvent> file = new ListAppender<>();
    file.setContext(context);
    file.start();
    deferred.forwardTo(file);
    deferred.doAppend(event("three"));
    assertThat(file.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("one", "two", "three");
    assertThat(deferred.waitingCount()).isZero();
  }

  @Test
  @DisplayName("it holds a bounded number of events while it waits")
  void bounded() {
    DeferredAppender deferred = new DeferredAppender();
    deferred.setContext(context);
    deferred.start();
    for (int i = 0; i < DeferredAppender.MAX_WAITING + 50; i++) {
      deferred.doAppend(event("e" + i));
    }
    assertThat(deferred.waitingCount()).isEqualTo(DeferredAppender.MAX_WAITING);
  }
}
