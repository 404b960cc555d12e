package dev.mad.persist;

import dev.mad.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import dev.mad.batch.BatchCommand;
import dev.mad.config.ConfigSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.io.IOException;
import java.nio.file.Files;
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
  static final String INCIDENTS_FILE = "anomalies.json";
  /** Where the web verticle streams uploads, inside the logs directory so leftovers are found. */
  public static final String UPLOADS_DIR = "uploads";

  private LogsDirLock lock;
  private MetricsHistoryWriter history;
  private IncidentLog incidentLog;
  private AnalysisService analyses;
  private long writeFailures;
  private boolean lastWriteFailed;

  @Override
  public Future<?> start() throws IOException {
    Path logsDir = Path.of(config().getString("logs_dir", "logs"));
    lock = LogsDirLock.acquire(logsDir);
    removeLeftovers(logsDir);
    history = new MetricsHistoryWriter(logsDir.resolve(HISTORY_FILE),
        config().getInteger("rotate_max_mb", 50) * 1024L * 1024L, config().getBoolean("rotate_daily", true),
        config().getInteger("keep_files", 14));
    LOG.info("Writing metrics history to {}", logsDir.resolve(HISTORY_FILE).toAbsolutePath());
    incidentLog = new IncidentLog(logsDir.resolve(INCIDENTS_FILE), config().getInteger("max_incidents", 1000));
    JsonObject detect = config().getJsonObject("analysis", ConfigSchema.defaults().getJsonObject("detect"));
    analyses = new AnalysisService(vertx, logsDir, BatchCommand.uploadSettings(detect));
    var bus = vertx.eventBus();
    return Future.all(List.of(
        bus.<JsonObject>consumer(Addresses.METRICS_SCORED, this::onScored).completion(),
        bus.<JsonObject>consumer(Addresses.INCIDENT, this::onIncident).completion(),
        bus.<JsonObject>consumer(Addresses.INCIDENTS_RECENT, this::recentIncidents).completion(),
        bus.<JsonObject>consumer(Addresses.ANALYSIS_RUN, analyses::run).completion(),
        bus.<JsonObject>consumer(Addresses.ANALYSIS_HISTORY, analyses::history).completion(),
        bus.<JsonObject>consumer(Addresses.ANALYSIS_DETAILS, analyses::details).completion(),
        bus.<JsonObject>consumer(Addresses.ANALYSIS_RESULTS, analyses::results).completion(),
        bus.<JsonObject>consumer(Addresses.health("persist"), this::health).completion()));
  }

  private void onScored(Message<JsonObject> message) {
    try {
      history.append(message.body());
      lastWriteFailed = false;
    } catch (IOException | RuntimeException e) {
      lastWriteFailed = true;
      if (writeFailures++ % 60 == 0) {
        LOG.error("Cannot append to {} ({} failures so far): {}", HISTORY_FILE, writeFailures, e.toString());
      }
    }
  }

  /**
   * Deletes what a crash (kill -9, power loss) can leave behind: temp files of interrupted writes
   * and analyses, and uploads that were never analysed. Safe because this process holds the lock.
   */
  static void removeLeftovers(Path logsDir) throws IOException {
    for (Path dir : List.of(logsDir, logsDir.resolve("analyses"), logsDir.resolve(UPLOADS_DIR))) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          String name = p.getFileName().toString();
          if (Files.isRegularFile(p) && (name.endsWith(".tmp") || dir.endsWith(UPLOADS_DIR))) {
            Files.deleteIfExists(p);
            LOG.info("Removed {} left by an interrupted run", p);
          }
        }
      }
    }
  }

  private void health(Message<JsonObject> message) {
    if (lastWriteFailed) {
      message.fail(503, "cannot write " + HISTORY_FILE);
    } else {
      message.reply(new JsonObject().put("deployment_id", deploymentID()).put("incidents_kept", incidentLog.size()));
    }
  }

  private void recentIncidents(Message<JsonObject> message) {
    int limit = Math.max(1, Math.min(1000, message.body().getInteger("limit", 15)));
    List<JsonObject> recent = new ArrayList<>(incidentLog.recent(limit));
    Collections.reverse(recent);
    message.reply(new JsonObject().put("incidents", new JsonArray(new ArrayList<>(recent))));
  }

  private void onIncident(Message<JsonObject> message) {
    String change = message.body().getString("change");
    JsonObject incident = message.body().getJsonObject("incident");
    switch (change) {
      case "opened" -> LOG.warn("ANOMALY #{} DETECTED on {} at {}: severity {}, score {}, reason: {}, factors: {}",
          incident.getLong("id"), incident.getString("host"), incident.getString("started"),
          incident.getString("severity"), incident.getValue("anomaly_score", "n/a"), incident.getString("reason"),
          incident.getJsonArray("severity_factors").encode());
      case "closed" -> LOG.info("Anomaly #{} ended after {} s ({} flagged samples, peak severity {})",
          incident.getLong("id"), incident.getDouble("duration_s"), incident.getInteger("samples"),
          incident.getString("severity"));
      default -> LOG.debug("Anomaly #{} continues: {}", incident.getLong("id"), incident.getString("reason"));
    }
    try {
      incidentLog.upsert(incident);
    } catch (IOException | RuntimeException e) {
      LOG.error("Cannot write {}: {}", INCIDENTS_FILE, e.toString());
    }
  }

  @Override
  public Future<?> stop() throws IOException {
    analyses.close();
    history.close();
    lock.close();
    return Future.succeededFuture();
  }
}
