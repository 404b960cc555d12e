package dev.mad.detect;

import dev.mad.bus.Addresses;
import dev.mad.bus.DetectorStatus;
import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What detect knows of one host: its window, model, baseline, incident tracker and gauges. Scores
 * every sample of the host once, in arrival order, on detect's event loop; trains when its {@link
 * LearningSchedule} says so, on the shared training pool (one thread for every host: training is
 * queued, never concurrent), and swaps the immutable model in one assignment. Not thread-safe:
 * used from detect's context only.
 */
final class HostDetector {
  private static final Logger LOG = LoggerFactory.getLogger(HostDetector.class);
  private static final long STATUS_EVERY_MS = 2_000;

  private final Vertx vertx;
  private final String host;
  private final AnomalyDetector detector;
  private final IsolationForestParams forestParams;
  private final IncidentTracker incidents;
  private final FalseAlarms falseAlarms;
  private final RecentPast past;
  private final SampleWindow window;
  private final LearningSchedule schedule;
  private final WorkerExecutor trainingPool;
  private final Counter incidentCounter;
  private final Counter suppressedCounter;
  private final List<Meter> meters = new ArrayList<>();

  private volatile DetectorModel model;

  /** Where this host's model is kept across restarts; null: nowhere. */
  private final Path modelFile;

  private final String fingerprint;
  private String modelSource;
  private long lastSampleTs;
  private RobustBaseline learningBaseline;
  private long dataPoints;
  private long incidentsOpened;
  private volatile double lastScore = Double.NaN;
  private volatile long lastSampleMs;
  private long lastStatusMs;
  private boolean closed;
  private boolean primary;
  private long samplesLost;

  /** The settings every host shares, and how to build a host's own state from them. */
  record Settings(
      AnomalyDetector detector,
      IsolationForestParams forestParams,
      long baselineMs,
      long windowMs,
      long retrainMs,
      long adaptMs,
      long intervalMs,
      double openLevel,
      double contamination,
      int quietSamples) {}

  HostDetector(
      Vertx vertx,
      String host,
      Settings s,
      long startupSkipMs,
      WorkerExecutor trainingPool,
      FalseAlarms falseAlarms,
      Path modelFile) {
    this.vertx = vertx;
    this.modelFile = modelFile;
    this.fingerprint = ModelFile.fingerprint(s.detector().metrics(), s.forestParams());
    this.host = host;
    this.detector = s.detector();
    this.forestParams = s.forestParams();
    this.trainingPool = trainingPool;
    this.schedule =
        new LearningSchedule(
            s.baselineMs(),
            s.windowMs(),
            s.retrainMs(),
            s.adaptMs(),
            s.intervalMs(),
            startupSkipMs);
    this.incidents =
        new IncidentTracker(
            new AlarmFilter(s.openLevel(), s.contamination(), s.quietSamples()), 5_000);
    this.falseAlarms = falseAlarms;
    incidents.known(this::likeFalseAlarms);
    this.window = new SampleWindow(s.windowMs());
    this.past = new RecentPast(detector);
    meters.add(
        Gauge.builder("mad.anomaly.score", this, v -> v.lastScore)
            .description("Isolation Forest score of the latest sample (lower is stranger)")
            .tag("host", host)
            .register(Metrics.globalRegistry));
    meters.add(
        Gauge.builder(
                "mad.model.age.seconds",
                this,
                v ->
                    v.model == null
                        ? Double.NaN
                        : (System.currentTimeMillis() - v.model.trainedAtMs()) / 1000.0)
            .description("Seconds since the host's live model was trained")
            .tag("host", host)
            .register(Metrics.globalRegistry));
    incidentCounter =
        Counter.builder("mad.incidents.opened")
            .description("Incidents opened")
            .tag("host", host)
            .register(Metrics.globalRegistry);
    meters.add(incidentCounter);
    suppressedCounter =
        Counter.builder("mad.incidents.suppressed")
            .description(
                "Samples like deviations people marked as false alarms, that opened no incident")
            .tag("host", host)
            .register(Metrics.globalRegistry);
    meters.add(suppressedCounter);
    restore();
  }

  /** Reads the model the last run left, on the training thread; a file that cannot be used is set aside. */
  private void restore() {
    if (modelFile == null) {
      return;
    }
    Path file = modelFile;
    trainingPool
        .executeBlocking(
            () -> {
              if (!Files.exists(file)) {
                return null;
              }
              try {
                return ModelFile.read(file, host, fingerprint);
              } catch (ModelFile.Unusable | IOException e) {
                Path aside = ModelFile.setAside(file);
                LOG.warn(
                    "Host {}: not using the saved model {} ({}); kept as {}, learning afresh",
                    host,
                    file,
                    e.getMessage(),
                    aside.getFileName());
                return null;
              }
            },
            false)
        .onComplete(
            ar -> {
              if (closed || model != null || ar.failed() || ar.result() == null) {
                if (ar.failed()) {
                  LOG.warn("Host {}: cannot read the saved model: {}", host, ar.cause().toString());
                }
                return;
              }
              DetectorModel m = ar.result();
              model = m;
              modelSource = "restored";
              learningBaseline = null;
              schedule.restored(lastSampleTs > 0 ? lastSampleTs : System.currentTimeMillis());
              LOG.info(
                  "Host {}: model restored from {} (trained {} on {} samples); detecting now",
                  host,
                  file.getFileName(),
                  DetectionJson.iso(m.trainedAtMs()),
                  m.trainingSamples());
              publishStatus();
            });
  }

  /** Keeps the new model for the next start, on the training thread, replacing the old file. */
  private void save(DetectorModel m) {
    if (modelFile == null) {
      return;
    }
    trainingPool
        .executeBlocking(
            () -> {
              ModelFile.write(modelFile, host, fingerprint, m);
              return null;
            },
            false)
        .onFailure(
            e ->
                LOG.warn(
                    "Host {}: cannot save the model to {}: {}", host, modelFile, e.toString()));
  }

  /**
   * The window as the last run left it (from the history file's tail), before any live sample:
   * a restored model retrains on full data, a new one learns from it.
   */
  void refill(List<HistoryTail.Row> rows) {
    for (HistoryTail.Row r : rows) {
      window.add(r.timestampMs(), r.values(), r.flagged());
    }
    if (!rows.isEmpty()) {
      LOG.info("Host {}: window refilled with {} samples from the history", host, rows.size());
    }
  }

  /** The host is forgotten: so is its saved model. */
  void forget() {
    if (modelFile == null) {
      return;
    }
    Path file = modelFile;
    trainingPool.executeBlocking(() -> Files.deleteIfExists(file), false);
  }

  String host() {
    return host;
  }

  /**
   * Whether the sample's deviation is like the false alarms people marked on this host: its
   * leading metric (largest contribution; without any, the largest z-score) moved the same way,
   * and no further than {@link FalseAlarms} allows.
   */
  private boolean likeFalseAlarms(double[] values, Verdict v) {
    if (falseAlarms.isEmpty()) {
      return false;
    }
    int lead = -1;
    double[] shares = v.contributions();
    for (int i = 0; shares != null && i < shares.length; i++) {
      if (shares[i] > 0 && (lead < 0 || shares[i] > shares[lead])) {
        lead = i;
      }
    }
    double[] z = v.zScores();
    for (int i = 0; lead < 0 && z != null && i < z.length; i++) {
      if (Double.isFinite(z[i]) && (lead < 0 || Math.abs(z[i]) > Math.abs(z[lead]))) {
        lead = i;
      }
    }
    if (lead < 0 || v.expected() == null || !Double.isFinite(v.expected()[lead])) {
      return false;
    }
    boolean like =
        falseAlarms.covers(
            detector.metrics().get(lead),
            values[lead] - v.expected()[lead],
            System.currentTimeMillis());
    if (like) {
      suppressedCounter.increment();
    }
    return like;
  }

  /** A person marked one of this host's incidents a false alarm: remember what it looked like. */
  void falseAlarm(IncidentChange.Report r) {
    FalseAlarms.Mark m = markOf(r, System.currentTimeMillis());
    if (m == null) {
      LOG.info(
          "Host {}: incident #{} marked a false alarm, but it names no metric to learn",
          host,
          r.id());
      return;
    }
    falseAlarms.mark(m);
    LOG.info(
        "Host {}: incident #{} marked a false alarm: {} {} by {}",
        host,
        r.id(),
        m.metric(),
        m.sign() > 0 ? "up" : "down",
        String.format(Locale.ROOT, "%.4g", m.deviation()));
  }

  /** What a marked incident looked like: its leading metric, direction and distance from usual. */
  static FalseAlarms.Mark markOf(IncidentChange.Report r, long markedMs) {
    String metric = r.leadingMetric();
    if (metric == null) {
      return null;
    }
    Double value = r.metrics().get(metric);
    Double usual = r.expected().get(metric);
    if (value == null || usual == null || value.equals(usual)) {
      return null;
    }
    double d = value - usual;
    return new FalseAlarms.Mark(metric, d > 0 ? 1 : -1, Math.abs(d), markedMs);
  }

  /** A person resolved the incident: it closes now if it is the one open. */
  void resolve(long id) {
    IncidentTracker.Event closed = incidents.resolve(id);
    if (closed != null) {
      publishIncident(closed);
      LOG.info("Host {}: incident #{} resolved by a person", host, id);
    }
  }

  long lastSampleMs() {
    return lastSampleMs;
  }

  /** Scores one sample of this host and publishes the verdict and any incident change. */
  void onSample(MetricSample sample, JsonObject body) {
    long now = sample.timestampMs();
    lastSampleTs = now;
    lastSampleMs = System.currentTimeMillis();
    if (body.getValue("gap") instanceof Number gap) {
      samplesLost += gap.longValue();
    }
    schedule.sampleArrived(now);
    dataPoints++;

    DetectorModel m = model;
    RobustBaseline base = learningBaseline;
    double[] values = sample.values();
    RecentPast.Snapshot recent = m != null ? past.snapshot() : null;
    Verdict judged = detector.evaluate(values, m, base, Double.NaN, false, recent);
    boolean record = false;
    if (m != null) {
      record = past.record(judged.zScores(), detector.zUnit(m));
      past.add(values, judged.zScores(), detector.zUnit(m));
    }
    lastScore = judged.score();
    // The server's own start-up loads the CPU; it is no incident.
    boolean startingUp = schedule.startingUp(now);
    IncidentTracker.Result result =
        startingUp
            ? null
            : incidents.onSample(
                now,
                host,
                values,
                judged,
                record,
                v -> detector.evaluate(values, m, base, v.score(), true, recent));
    boolean flagged = result != null && result.flagged();
    Verdict shown = result != null ? result.verdict() : judged;
    if (!startingUp) {
      window.add(now, values, flagged);
    }
    JsonObject scored = DetectionJson.scored(body, shown, flagged);
    copyStream(body, scored);
    vertx.eventBus().publish(Addresses.METRICS_SCORED, scored, Addresses.local());

    List<IncidentTracker.Event> events = result == null ? List.of() : result.events();
    for (IncidentTracker.Event event : events) {
      publishIncident(event);
    }
    follow(schedule.next(now, this::windowRows, openIncident()));
    if (now - lastStatusMs >= STATUS_EVERY_MS) {
      lastStatusMs = now;
      publishStatus();
    }
  }

  private void publishIncident(IncidentTracker.Event event) {
    if (event.change() == IncidentTracker.Change.OPENED) {
      incidentsOpened++;
      incidentCounter.increment();
    }
    JsonObject json =
        new JsonObject()
            .put("change", event.change().name().toLowerCase(Locale.ROOT))
            .put("incident", DetectionJson.incident(event.incident(), detector.metrics()));
    vertx.eventBus().publish(Addresses.INCIDENT, json, Addresses.local());
  }

  /** A fleet sample's stream fields travel on with its verdict, so persist can acknowledge it. */
  private static void copyStream(JsonObject from, JsonObject to) {
    Object agent = from.getValue(MetricSample.AGENT_ID);
    Object seq = from.getValue(MetricSample.SEQ);
    if (agent instanceof String && seq instanceof Number) {
      to.put(MetricSample.AGENT_ID, agent).put(MetricSample.SEQ, seq);
    }
  }

  private int windowRows(long fromMs, boolean includeFlagged) {
    return window.rows(fromMs, includeFlagged).length;
  }

  private LearningSchedule.OpenIncident openIncident() {
    Incident open = incidents.current();
    return open == null ? null : new LearningSchedule.OpenIncident(open.id(), open.startedMs());
  }

  /** Does what the schedule says is due: a baseline refresh, a training, or telling that training must wait. */
  private void follow(LearningSchedule.Plan plan) {
    if (closed) {
      return;
    }
    if (plan.refreshBaseline()) {
      refreshLearningBaseline(plan.fromMs());
    }
    LearningSchedule.Shortage shortage = plan.shortageBegan();
    if (shortage != null) {
      LOG.warn(
          "Host {}: not training ({}): only {} samples in the window, {} needed; waiting for more",
          host,
          shortage.why(),
          shortage.rows(),
          shortage.needed());
    }
    if (plan.training() != null) {
      train(plan.training());
    }
  }

  private void refreshLearningBaseline(long fromMs) {
    double[][] rows = window.rows(fromMs, false);
    double[] floors = detector.minSpread();
    trainingPool
        .executeBlocking(() -> RobustBaseline.fit(rows, floors), false)
        .onComplete(
            ar -> {
              schedule.baselineRefreshed();
              if (ar.succeeded()) {
                learningBaseline = ar.result();
              } else {
                LOG.error("Host {}: baseline refresh failed", host, ar.cause());
              }
            });
  }

  private void train(LearningSchedule.Training t) {
    String why = t.why();
    LearningSchedule.Shortage ended = t.shortageEnded();
    if (ended != null) {
      LOG.info(
          "Host {}: training again ({}): {} samples in the window, {} needed, after {} s with too few",
          host,
          why,
          t.rows(),
          ended.needed(),
          (t.atMs() - ended.sinceMs()) / 1000);
    }
    if (t.widened()) {
      LOG.info(
          "Host {}: training ({}) on all {} samples of the window, flagged ones included: only {}"
              + " were unflagged, fewer than the {} the baseline promises",
          host,
          why,
          t.rows(),
          t.widenedFrom(),
          schedule.baselineSamples());
    }
    double[][] learn = window.rows(t.fromMs(), t.includeFlagged());
    double[] floors = detector.minSpread();
    IsolationForestParams params = forestParams;
    long queued = System.nanoTime();
    long[] started = new long[1];
    trainingPool
        .executeBlocking(
            () -> {
              started[0] = System.nanoTime();
              return DetectorModel.train(learn, floors, params, t.atMs(), Runnable::run);
            },
            false)
        .onComplete(
            ar -> {
              if (closed) {
                return;
              }
              if (ar.succeeded()) {
                model = ar.result();
                modelSource = "trained";
                learningBaseline = null;
                save(model);
                LOG.info(
                    "Host {}: model trained ({}) on {} samples in {} ms (queued {} ms); threshold {}",
                    host,
                    why,
                    learn.length,
                    (System.nanoTime() - started[0]) / 1_000_000,
                    (started[0] - queued) / 1_000_000,
                    String.format(Locale.ROOT, "%.4f", model.threshold()));
              } else {
                LOG.error("Host {}: training failed ({})", host, why, ar.cause());
              }
              LearningSchedule.Plan next =
                  schedule.trainingFinished(ar.succeeded(), this::windowRows, openIncident());
              if (ar.succeeded()) {
                publishStatus();
              }
              follow(next);
            });
  }

  private void publishStatus() {
    JsonObject status = status();
    if (primary) {
      vertx.eventBus().publish(Addresses.DASHBOARD_STATUS, status, Addresses.local());
    }
    vertx.eventBus().publish(Addresses.dashboardStatus(host), status, Addresses.local());
  }

  /** Whether this host's status goes to the default dashboard (this machine's, or the first). */
  void primary(boolean primary) {
    this.primary = primary;
  }

  long samplesLost() {
    return samplesLost;
  }

  boolean active() {
    return schedule.phase() == LearningSchedule.Phase.ACTIVE;
  }

  boolean incidentOpen() {
    return incidents.current() != null;
  }

  double lastScore() {
    return lastScore;
  }

  JsonObject status() {
    DetectorModel m = model;
    long now = System.currentTimeMillis();
    return new DetectorStatus(
            active() ? DetectorStatus.ACTIVE : DetectorStatus.LEARNING,
            dataPoints,
            DetectionJson.round(schedule.baselineProgress(now), 3),
            schedule.baselineMs() / 1000,
            incidentsOpened,
            incidents.current() != null,
            host,
            m == null ? null : m.trainingSamples(),
            m == null ? null : DetectionJson.iso(m.trainedAtMs()),
            m == null ? null : Math.max(0, (now - m.trainedAtMs()) / 1000),
            m == null ? null : DetectionJson.round(m.threshold(), 4),
            Double.isNaN(lastScore) ? null : DetectionJson.round(lastScore, 4),
            samplesLost,
            m == null ? null : modelSource)
        .toJson();
  }

  /** Removes this host's meters; a training still running is ignored when it ends. */
  void close() {
    closed = true;
    meters.forEach(Metrics.globalRegistry::remove);
  }
}
