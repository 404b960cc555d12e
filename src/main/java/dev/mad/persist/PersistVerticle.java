package dev.mad.persist;

import dev.mad.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every file of the logs directory. Deployed as a worker verticle, so its blocking writes
 * never hold an event loop.
 */
public class PersistVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PersistVerticle.class);
  static final String HISTORY_FILE = "metrics_history.csv";

  private LogsDirLock lock;
  private MetricsHistoryWriter history;
  private long writeFailures;

  @Override
  public Future<?> start() throws IOException {
    Path logsDir = Path.of(config().getString("logs_dir", "logs"));
    lock = LogsDirLock.acquire(logsDir);
    history = new MetricsHistoryWriter(logsDir.resolve(HISTORY_FILE));
    LOG.info("Writing metrics history to {}", logsDir.resolve(HISTORY_FILE).toAbsolutePath());
    return vertx.eventBus().<JsonObject>consumer(Addresses.METRICS_SCORED, this::onScored).completion();
  }

  private void onScored(Message<JsonObject> message) {
    try {
      history.append(message.body());
    } catch (IOException | RuntimeException e) {
      if (writeFailures++ % 60 == 0) {
        LOG.error("Cannot append to {} ({} failures so far): {}", HISTORY_FILE, writeFailures, e.toString());
      }
    }
  }

  @Override
  public Future<?> stop() throws IOException {
    history.close();
    lock.close();
    return Future.succeededFuture();
  }
}
