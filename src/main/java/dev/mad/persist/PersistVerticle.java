package dev.mad.persist;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import dev.mad.files.IoFailure;
import dev.mad.files.LogsDir;
import dev.mad.files.LogsDirLock;
import dev.mad.logging.LogSetup;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what live monitoring produces: the metrics history and the recent incidents. Holds the
 * logs directory's lock and repairs what a crash left there before anything else writes. Deployed
 * as a worker verticle, so its blocking writes never hold an event loop.
 *
 * <p>Disk trouble is reported, never hidden: a row that cannot be written (a full disk) is dropped
 * whole and counted, and {@code /health} says why until writes succeed again; a logs directory
 * deleted while the server runs is noticed within {@link #WATCH_MS}, recreated with a new lock,
 * history file, incident file and log files, and reported.
 */
public class PersistVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PersistVerticle.class);
  private static final String HISTORY_FILE = LogsDir.METRICS_HISTORY;
  private static final String INCIDENTS_FILE = LogsDir.INCIDENTS;

  /** How often the logs directory's lock is checked for having been deleted. */
  static final long WATCH_MS = 2000;

  private final MetricsHistoryWriter.Opener opener;
  private JsonObject settings;
  private Path logsDir;
  private LogsDirLock lock;
  private MetricsHistoryWriter history;
  private IncidentLog incidentLog;
  private IncidentStore incidentStore;
  private String storeProblem;
  private FleetLedger ledger;
  private LocalMap<String, Long> durable;
  private long rowsDropped;
  private Instant droppingSince;
  private Instant lastDropped;
  private String historyProblem;
  private String incidentsProblem;
  private String logsDirProblem;
  private Instant logsDirRecreated;
  private String spaceProblem;

  static final long LEDGER_SAVE_MS = 1000;

  /** Free space in the logs directory below which it is reported full. */
  static final long LOW_SPACE_BYTES = 1024 * 1024;

  public PersistVerticle() {
    this(MetricsHistoryWriter.APPEND);
  }

  /** With the history file opened by {@code opener}: tests give it a disk that fills up. */
  PersistVerticle(MetricsHistoryWriter.Opener opener) {
    this.opener = opener;
  }

  @Override
  public Future<?> start() throws IOException {
    settings = ConfigSchema.section("persist", config());
    logsDir = Path.of(ConfigSchema.logsDir(settings));
    lock = LogsDirLock.acquire(logsDir);
    try {
      LogsDir.removeLeftovers(logsDir);
      history = openHistory();
    } catch (IOException | RuntimeException e) {
      // a start that fails (a full disk) must not keep the lock from the redeploy that follows
      lock.close();
      throw e;
    }
    LOG.info("Writing metrics history to {}", logsDir.resolve(HISTORY_FILE).toAbsolutePath());
    incidentLog =
        new IncidentLog(logsDir.resolve(INCIDENTS_FILE), settings.getInteger("max_incidents"));
    openStore();
    if (!config().getBoolean("redeployed", false)) {
      closeLeftOpen();
    }
    ledger =
        new FleetLedger(
            logsDir,
            settings.getValue("max_streams") instanceof Integer m
                ? m
                : 2 * (Integer) ConfigSchema.setting("hub.max_hosts").defaultValue());
    durable = vertx.sharedData().getLocalMap(Addresses.DURABLE_MAP);
    durable.putAll(ledger.streams());
    vertx.setPeriodic(WATCH_MS, id -> watchLogsDir());
    vertx.setPeriodic(LEDGER_SAVE_MS, id -> saveLedger());
    var bus = vertx.eventBus();
    return Future.all(
        List.of(
            bus.<JsonObject>localConsumer(Addresses.METRICS_SCORED, this::onScored).completion(),
            bus.<JsonObject>localConsumer(Addresses.INCIDENT, this::onIncident).completion(),
            bus.<JsonObject>localConsumer(Addresses.INCIDENTS_RECENT, this::recentIncidents)
                .completion(),
            bus.<JsonObject>localConsumer(Addresses.INCIDENTS_QUERY, this::queryIncidents)
                .completion(),
            bus.<JsonObject>localConsumer(Addresses.INCIDENT_WORK, this::workIncident).completion(),
            bus.<JsonObject>localConsumer(Addresses.INCIDENT_MUTED, this::mutedIncident)
                .completion(),
            bus.<JsonObject>localConsumer(Addresses.health("persist"), this::health).completion()));
  }

  /** Opens the incidents table; a database that cannot be opened is reported, not fatal. */
  private void openStore() {
    closeQuietly(incidentStore);
    incidentStore = null;
    try {
      incidentStore =
          IncidentStore.open(
              logsDir.resolve(LogsDir.HISTORY_DB), settings.getInteger("incident_history"));
      storeProblem = null;
    } catch (SQLException | RuntimeException e) {
      storeProblem = "cannot open " + LogsDir.HISTORY_DB + " (" + e.getMessage() + ")";
      LOG.error("Incidents will not be kept in the database: {}", storeProblem);
    }
  }

  /**
   * Incidents still open when the server last stopped: detection starts afresh and will never close
   * them, so they are closed now, at their last change, and say so in their comment.
   */
  private void closeLeftOpen() {
    if (incidentStore != null) {
      closeLeftOpenInStore();
    }
    try {
      incidentLog.closeLeftOpen();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot close the incidents left open in {}: {}", INCIDENTS_FILE, e.getMessage());
    }
  }

  private void closeLeftOpenInStore() {
    try {
      int n = incidentStore.closeLeftOpen(Instant.now());
      if (n > 0) {
        LOG.warn("Closed {} incidents left open when the server last stopped", n);
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Cannot close the incidents left open at the last stop: {}", e.getMessage());
    }
  }

  private void recordIncident(IncidentChange event) {
    if (incidentStore == null) {
      openStore();
      if (incidentStore == null) {
        return;
      }
    }
    try {
      incidentStore.record(event);
      storeProblem = null;
    } catch (SQLException | RuntimeException e) {
      String why =
          (IoFailure.diskFull(e) ? "disk full: " : "")
              + "cannot write incident to "
              + LogsDir.HISTORY_DB
              + " ("
              + e.getMessage()
              + ")";
      if (!why.equals(storeProblem)) {
        LOG.error("{}", why);
      }
      storeProblem = why;
    }
  }

  private void queryIncidents(Message<JsonObject> message) {
    if (incidentStore == null) {
      openStore();
    }
    if (incidentStore == null) {
      message.fail(503, storeProblem);
      return;
    }
    JsonObject q = message.body();
    try {
      message.reply(
          incidentStore.query(
              new IncidentStore.Query(
                  q.getString("host"),
                  q.getString("severity"),
                  q.getString("state"),
                  q.getLong("from_ms"),
                  q.getLong("to_ms"),
                  q.getBoolean("false_alarm"),
                  Math.max(1, Math.min(500, q.getInteger("limit", 50))),
                  Math.max(0, q.getInteger("offset", 0)))));
    } catch (SQLException | RuntimeException e) {
      LOG.error("Cannot read incidents from {}: {}", LogsDir.HISTORY_DB, e.getMessage());
      message.fail(503, "cannot read incidents from " + LogsDir.HISTORY_DB);
    }
  }

  /** A person's action on an incident: recorded, then published for detect, notify and the dashboard. */
  private void workIncident(Message<JsonObject> message) {
    if (incidentStore == null) {
      openStore();
    }
    if (incidentStore == null) {
      message.fail(503, storeProblem);
      return;
    }
    JsonObject b = message.body();
    IncidentStore.Work w =
        new IncidentStore.Work(
            b.getString("action"),
            b.getString("host"),
            b.getLong("id"),
            b.getString("by"),
            b.getString("comment"));
    JsonObject row;
    try {
      row = incidentStore.work(w, Instant.now());
    } catch (SQLException | RuntimeException e) {
      LOG.error(
          "Cannot record '{}' of incident {}/{}: {}", w.action(), w.host(), w.id(), e.getMessage());
      message.fail(503, "cannot write to " + LogsDir.HISTORY_DB + " (" + e.getMessage() + ")");
      return;
    }
    if (row == null) {
      message.fail(404, "no incident " + w.id() + " on host " + w.host());
      return;
    }
    LOG.info(
        "Incident #{} on {} {} by {}{}",
        w.id(),
        w.host(),
        w.action().replace('_', ' '),
        w.by(),
        w.comment() == null ? "" : ": " + w.comment());
    // published before the reply, so whoever asked finds detect and notify told when it hears back
    vertx
        .eventBus()
        .publish(
            Addresses.INCIDENT_WORKED,
            new JsonObject()
                .put("action", w.action())
                .put("by", w.by())
                .put("comment", w.comment())
                .put("incident", row),
            Addresses.local());
    message.reply(row);
  }

  private void mutedIncident(Message<JsonObject> message) {
    JsonObject b = message.body();
    if (incidentStore == null) {
      return;
    }
    try {
      incidentStore.silenced(b.getString("host"), b.getLong("id"), b.getString("until"));
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Cannot note the silence of incident {}: {}", b.getLong("id"), e.getMessage());
    }
  }

  private MetricsHistoryWriter openHistory() throws IOException {
    return new MetricsHistoryWriter(
        logsDir.resolve(HISTORY_FILE),
        settings.getInteger("rotate_max_mb") * 1024L * 1024L,
        settings.getBoolean("rotate_daily"),
        settings.getInteger("keep_files"),
        opener);
  }

  private void onScored(Message<JsonObject> message) {
    if (history == null) {
      dropped(logsDirProblem);
      return;
    }
    JsonObject row = message.body();
    try {
      history.append(row);
    } catch (IOException | RuntimeException e) {
      dropped(
          (IoFailure.diskFull(e) ? "disk full: " : "")
              + "cannot write "
              + HISTORY_FILE
              + " ("
              + IoFailure.reason(e)
              + ")");
      return;
    }
    if (droppingSince != null) {
      LOG.warn(
          "Writing {} again: {} rows dropped since {} ({} in all since start)",
          HISTORY_FILE,
          rowsDropped - droppedBefore,
          droppingSince,
          rowsDropped);
      droppingSince = null;
      historyProblem = null;
      if (incidentsProblem != null) {
        saveIncidents();
      }
    }
    if (row.getValue(MetricSample.AGENT_ID) instanceof String agent
        && row.getValue(MetricSample.SEQ) instanceof Number seq) {
      ledger.written(agent, seq.longValue());
      durable.put(agent, seq.longValue());
    }
  }

  private long droppedBefore;

  /** Counts a row that could not be written, logging the first of a run and every 60th. */
  private void dropped(String why) {
    if (droppingSince == null) {
      droppingSince = Instant.now();
      droppedBefore = rowsDropped;
      LOG.error("{}; rows are dropped and counted until it can be written again", why);
    } else if ((rowsDropped - droppedBefore) % 60 == 59) {
      LOG.error(
          "{}; {} rows dropped since {}", why, rowsDropped - droppedBefore + 1, droppingSince);
    }
    rowsDropped++;
    lastDropped = Instant.now();
    historyProblem = why;
  }

  /**
   * Notices a logs directory that was deleted or replaced (its lock file is gone), and recreates
   * what lives there: a lock (so a second server is refused again), the history file, the incident
   * file from memory, and the log files. What was in the deleted files is gone; that is logged.
   */
  private void watchLogsDir() {
    checkFreeSpace();
    if (lock != null && lock.intact()) {
      return;
    }
    if (lock != null) {
      LOG.error(
          "The logs directory {} was deleted or replaced while the server ran; recreating it",
          logsDir.toAbsolutePath());
      closeQuietly(history);
      history = null;
      closeQuietly(lock);
      lock = null;
    }
    try {
      lock = LogsDirLock.acquire(logsDir);
    } catch (IOException e) {
      String why = "logs directory unavailable: " + IoFailure.describe(e);
      if (!why.equals(logsDirProblem)) {
        LOG.error("Cannot take the logs directory again: {}", why);
      }
      logsDirProblem = why;
      return;
    }
    try {
      Files.createDirectories(logsDir.resolve(LogsDir.UPLOADS_DIR));
      Files.createDirectories(logsDir.resolve(LogsDir.ANALYSES_DIR));
      history = openHistory();
    } catch (IOException e) {
      logsDirProblem = "logs directory unavailable: " + IoFailure.describe(e);
      LOG.error("Cannot recreate the logs directory: {}", logsDirProblem);
      closeQuietly(lock);
      lock = null;
      return;
    }
    LogSetup.reopenFiles();
    saveIncidents();
    openStore();
    logsDirProblem = null;
    logsDirRecreated = Instant.now();
    LOG.warn(
        "Recreated the logs directory {}: new lock, {}, {} ({} incidents from memory) and log"
            + " files; rows and analyses that were in the deleted files are gone",
        logsDir.toAbsolutePath(),
        HISTORY_FILE,
        INCIDENTS_FILE,
        incidentLog.size());
  }

  /**
   * Reports a disk with less than {@link #LOW_SPACE_BYTES} free before a write fails: a file's
   * last block can take a few more rows, so the first failed write may come only later.
   */
  private void checkFreeSpace() {
    long free = logsDir.toFile().getUsableSpace();
    // 0 also when the directory is gone: then the lock check says so
    String problem =
        free > 0 && free < LOW_SPACE_BYTES || free == 0 && Files.isDirectory(logsDir)
            ? "disk full: " + free / 1024 + " KB free in the logs directory"
            : null;
    if (problem != null && spaceProblem == null) {
      LOG.error("{}; rows that cannot be written are dropped and counted", problem);
    } else if (problem == null && spaceProblem != null) {
      LOG.warn("The logs directory has space again ({} MB free)", free >> 20);
    }
    spaceProblem = problem;
  }

  private void saveLedger() {
    try {
      ledger.save();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot save {}: {}", FleetLedger.FILE, IoFailure.reason(e));
    }
  }

  private void saveIncidents() {
    try {
      incidentLog.save();
      incidentsProblem = null;
    } catch (IOException | RuntimeException e) {
      incidentsProblem = incidentsFailure(e);
    }
  }

  private static String incidentsFailure(Exception e) {
    return (IoFailure.diskFull(e) ? "disk full: " : "")
        + "cannot write "
        + INCIDENTS_FILE
        + " ("
        + IoFailure.reason(e)
        + ")";
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("Closing {} failed: {}", c, e.toString());
    }
  }

  /**
   * Always answers (a redeploy cures no full disk), with {@code problem} while rows are being
   * dropped or incidents cannot be saved; the web's health check reports that as DOWN.
   */
  private void health(Message<JsonObject> message) {
    JsonObject h =
        new JsonObject()
            .put("deployment_id", deploymentID())
            .put("incidents_kept", incidentLog.size())
            .put("rows_dropped", rowsDropped);
    if (lastDropped != null) {
      h.put("last_dropped_at", lastDropped.toString());
    }
    String problem =
        historyProblem != null
            ? historyProblem
            : logsDirProblem != null
                ? logsDirProblem
                : spaceProblem != null
                    ? spaceProblem
                    : incidentsProblem != null ? incidentsProblem : storeProblem;
    if (problem != null) {
      h.put("problem", problem);
    }
    if (logsDirRecreated != null) {
      h.put("logs_dir_recreated", logsDirRecreated.toString());
    }
    message.reply(h);
  }

  private void recentIncidents(Message<JsonObject> message) {
    int limit = Math.max(1, Math.min(1000, message.body().getInteger("limit", 15)));
    String host = message.body().getString("host");
    List<JsonObject> recent = new ArrayList<>(incidentLog.recent(limit, host));
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
    recordIncident(event);
    JsonObject incident = message.body().getJsonObject("incident");
    try {
      incidentLog.upsert(incident);
      incidentsProblem = null;
    } catch (IOException | RuntimeException e) {
      if (incidentsProblem == null) {
        LOG.error("Cannot write {}: {}", INCIDENTS_FILE, IoFailure.reason(e));
      }
      incidentsProblem = incidentsFailure(e);
    }
  }

  @Override
  public Future<?> stop() throws IOException {
    saveLedger();
    closeQuietly(incidentStore);
    try {
      if (history != null) {
        history.close();
      }
    } finally {
      // released even when the last write cannot be flushed (a full disk), so a redeploy can take
      // it
      if (lock != null) {
        lock.close();
      }
    }
    LOG.info(
        "Persist stopped: {} and {} closed, logs directory released", HISTORY_FILE, INCIDENTS_FILE);
    return Future.succeededFuture();
  }
}
