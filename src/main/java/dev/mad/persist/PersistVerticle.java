package dev.mad.persist;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import dev.mad.config.ConfigSchema;
import dev.mad.files.LogsDir;
import dev.mad.files.LogsDirLock;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what live monitoring produces: the metrics history and the recent incidents. Holds the
 * logs directory's lock and repairs what a crash left there before anything else writes. Deployed
 * as a worker verticle, so its blocking writes never hold an event loop.
 */
public class PersistVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PersistVerticle.class);
  private static final String HISTORY_FILE = LogsDir.METRICS_HISTORY;
  private static final String INCIDENTS_FILE = LogsDir.INCIDENTS;

  private LogsDirLock lock;
  private MetricsHistoryWriter history;
  private IncidentLog incidentLog;
  private long writeFailures;
  private boolean lastWriteFailed;

  @Override
  public Future<?> start() throws IOException {
    JsonObject c = ConfigSchema.section("persist", config());
    Path logsDir = Path.of(ConfigSchema.logsDir(c));
    lock = LogsDirLock.acquire(logsDir);
    try {
      LogsDir.removeLeftovers(logsDir);
      history =
          new MetricsHistoryWriter(
              logsDir.resolve(HISTORY_FILE),
              c.getInteger("rotate_max_mb") * 1024L * 1024L,
              c.getBoolean("rotate_daily"),
              c.getInteger("keep_files"));
    } catch (IOException | RuntimeException e) {
      // a start that fails (a full disk) must not keep the lock from the redeploy that follows
      lock.close();
      throw e;
    }
    LOG.info("Writing metrics history to {}", logsDir.resolve(HISTORY_FILE).toAbsolutePath());
    incidentLog = new IncidentLog(logsDir.resolve(INCIDENTS_FILE), c.getInteger("max_incidents"));
    var bus = vertx.eventBus();
    return Future.all(
        List.of(
            bus.<JsonObject>consumer(Addresses.METRICS_SCORED, this::onScored).completion(),
            bus.<JsonObject>consumer(Addresses.INCIDENT, this::onIncident).completion(),
            bus.<JsonObject>consumer(Addresses.INCIDENTS_RECENT, this::recentIncidents)
                .completion(),
            bus.<JsonObject>consumer(Addresses.health("persist"), this::health).completion()));
  }

  private void onScored(Message<JsonObject> message) {
    try {
      history.append(message.body());
      lastWriteFailed = false;
    } catch (IOException | RuntimeException e) {
      lastWriteFailed = true;
      if (writeFailures++ % 60 == 0) {
        LOG.error(
            "Cannot append to {} ({} failures so far): {}",
            HISTORY_FILE,
            writeFailures,
            e.toString());
      }
    }
  }

  private void health(Message<JsonObject> message) {
    if (lastWriteFailed) {
      message.fail(503, "cannot write " + HISTORY_FILE);
    } else {
      message.reply(
          new JsonObject()
              .put("deployment_id", deploymentID())
              .put("incidents_kept", incidentLog.size()));
    }
  }

  private void recentIncidents(Message<JsonObject> message) {
    int limit = Math.max(1, Math.min(1000, message.body().getInteger("limit", 15)));
    List<JsonObject> recent = new ArrayList<>(incidentLog.recent(limit));
    Collections.reverse(recent);
    message.reply(new JsonObject().put("incidents", new JsonArray(new ArrayList<>(recent))));
  }

  private void onIncident(Message<JsonObject> message) {
    IncidentChange event = IncidentChange.fromJson(message.body());
    IncidentChange.Report r = event.incident();
    switch (event.change()) {
      case IncidentChange.OPENED ->
          LOG.warn(
              "ANOMALY #{} DETECTED on {} at {}: severity {}, score {}, reason: {}, "
                  + "factors: {}",
              r.id(),
              r.host(),
              r.started(),
              r.severity(),
              r.score() == null ? "n/a" : r.score(),
              r.reason(),
              r.severityFactors());
      case IncidentChange.CLOSED ->
          LOG.info(
              "Anomaly #{} ended after {} s ({} flagged samples, peak severity {})",
              r.id(),
              r.durationSeconds(),
              r.samples(),
              r.severity());
      default -> LOG.debug("Anomaly #{} continues: {}", r.id(), r.reason());
    }
    JsonObject incident = message.body().getJsonObject("incident");
    try {
      incidentLog.upsert(incident);
    } catch (IOException | RuntimeException e) {
      LOG.error("Cannot write {}: {}", INCIDENTS_FILE, e.toString());
    }
  }

  @Override
  public Future<?> stop() throws IOException {
    try {
      history.close();
    } finally {
      // released even when the last write cannot be flushed (a full disk), so a redeploy can take
      // it
      lock.close();
    }
    LOG.info(
        "Persist stopped: {} and {} closed, logs directory released", HISTORY_FILE, INCIDENTS_FILE);
    return Future.succeededFuture();
  }
}
