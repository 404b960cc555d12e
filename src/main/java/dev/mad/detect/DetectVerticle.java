package dev.mad.detect;

import dev.mad.bus.Addresses;
import dev.mad.config.ConfigSchema;
import dev.mad.bus.MetricSample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the window and the model. Scores every sample once, in arrival order, on its event loop
 * (a forest walk takes microseconds); trains and retrains on a dedicated worker pool and swaps
 * the immutable model in one assignment on this verticle's context.
 */
public class DetectVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DetectVerticle.class);
  static final String TRAINING_POOL = "mad-training";
  /** Z-scores start once this many samples exist, i.e. a few seconds after start. */
  private static final int MIN_BASELINE_SAMPLES = 5;
  private static final long BASELINE_REFRESH_MS = 5_000;
  private static final long STATUS_EVERY_MS = 2_000;
  /** The server's own start-up (class loading, JIT) loads the CPU; keep it out of the baseline. */
  private static final long STARTUP_SKIP_MS = 5_000;

  private final long startupSkipMs;
  private AnomalyDetector detector;
  private IsolationForestParams forestParams;
  private IncidentTracker incidents;
  /**
   * What the host did lately, measured against the model's baseline at the time (kept across
   * retrains: a new baseline shifts the scale a little, and old samples age out).
   */
  private RecentPast past;
  private SampleWindow window;
  private WorkerExecutor trainingPool;

  private long baselineMs;
  private long intervalMs;
  /** Samples a model is trained on at least: nine tenths of what the baseline period holds. */
  private int baselineSamples;
  private long windowMs;
  private long retrainMs;
  private long adaptMs;

  private volatile DetectorModel model;
  private RobustBaseline learningBaseline;
  private boolean training;
  private boolean refreshingBaseline;
  private long lastSampleMs;
  private long lastTrainStartMs;
  private long lastBaselineMs;
  private long adaptedIncidentId = -1;
  private long firstSampleMs = -1;
  private long dataPoints;
  private long incidentsOpened;
  private volatile double lastScore = Double.NaN;
  private String host = "";
  private long lastStatusMs;
  private Counter incidentCounter;
  /** Gauges read this instance; they are removed on stop so a redeployed detector registers its own. */
  private final List<Gauge> gauges = new ArrayList<>();

  public DetectVerticle() {
    this(STARTUP_SKIP_MS);
  }

  /** For tests that feed synthetic samples: how long after the first sample training data starts. */
  DetectVerticle(long startupSkipMs) {
    this.startupSkipMs = startupSkipMs;
  }

  @Override
  public Future<?> start() {
    JsonObject c = ConfigSchema.section("detect", config());
    baselineMs = c.getInteger("baseline_seconds") * 1000L;
    windowMs = c.getInteger("window_seconds") * 1000L;
    retrainMs = c.getInteger("retrain_seconds") * 1000L;
    adaptMs = c.getInteger("adapt_seconds") * 1000L;
    detector = new AnomalyDetector(MetricSample.METRICS, DetectionJson.rules(c.getJsonArray("rules")),
        DetectionJson.detectorSettings(c));
    forestParams = DetectionJson.forestParams(c, c.getDouble("contamination"));
    // the sampling period, which the wiring hands over from collect.interval_ms
    Integer interval = c.getInteger("interval_ms");
    intervalMs = Math.max(1, interval != null ? interval
        : (Integer) ConfigSchema.setting(ConfigSchema.COLLECT_INTERVAL_MS).defaultValue());
    baselineSamples = (int) Math.max(MIN_BASELINE_SAMPLES * 2, Math.max(0, baselineMs - startupSkipMs) / intervalMs * 9 / 10);
    int quietSamples = (int) Math.max(1, c.getInteger("incident_quiet_seconds") * 1000L / intervalMs);
    incidents = new IncidentTracker(new AlarmFilter(DetectionJson.openLevel(c.getDouble("sensitivity")),
        c.getDouble("contamination"), quietSamples), 5_000);
    window = new SampleWindow(windowMs);
    past = new RecentPast(detector);
    trainingPool = vertx.createSharedWorkerExecutor(TRAINING_POOL, 1);

    var samples = vertx.eventBus().<JsonObject>consumer(Addresses.METRICS_SAMPLE, this::onSample);
    var status = vertx.eventBus().<JsonObject>consumer(Addresses.DETECT_STATUS, m -> m.reply(status()));
    var health = vertx.eventBus().<JsonObject>consumer(Addresses.health("detect"),
        m -> m.reply(status().put("deployment_id", deploymentID())));
    gauges.add(Gauge.builder("mad.model.age.seconds", this, v -> v.model == null ? Double.NaN
            : (System.currentTimeMillis() - v.model.trainedAtMs()) / 1000.0)
        .description("Seconds since the live model was trained").register(Metrics.globalRegistry));
    return Future.all(samples.completion(), status.completion(), health.completion());
  }

  private void onSample(Message<JsonObject> message) {
    MetricSample sample;
    try {
      sample = MetricSample.fromJson(message.body());
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a malformed sample: {}", e.getMessage());
      return;
    }
    long now = sample.timestampMs();
    if (firstSampleMs < 0) {
      firstSampleMs = now;
    }
    if (!sample.host().equals(host)) {
      host = sample.host();
      gauges.add(Gauge.builder("mad.anomaly.score", this, v -> v.lastScore)
          .description("Isolation Forest score of the latest sample (lower is stranger)").tag("host", host)
          .register(Metrics.globalRegistry));
      incidentCounter = Counter.builder("mad.incidents.opened").description("Incidents opened")
          .tag("host", host).register(Metrics.globalRegistry);
    }
    lastSampleMs = now;
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
    boolean startingUp = now - firstSampleMs < startupSkipMs;
    IncidentTracker.Result result = startingUp ? null
        : incidents.onSample(now, sample.host(), values, judged, record,
            v -> detector.evaluate(values, m, base, v.score(), true, recent));
    boolean flagged = result != null && result.flagged();
    Verdict shown = result != null ? result.verdict() : judged;
    if (!startingUp) {
      window.add(now, values, flagged);
    }
    vertx.eventBus().publish(Addresses.METRICS_SCORED, DetectionJson.scored(message.body(), shown, flagged));

    List<IncidentTracker.Event> events = result == null ? List.of() : result.events();
    for (IncidentTracker.Event event : events) {
      if (event.change() == IncidentTracker.Change.OPENED) {
        incidentsOpened++;
        incidentCounter.increment();
      }
      JsonObject json = new JsonObject()
          .put("change", event.change().name().toLowerCase(java.util.Locale.ROOT))
          .put("incident", DetectionJson.incident(event.incident(), detector.metrics()));
      vertx.eventBus().publish(Addresses.INCIDENT, json);
    }
    scheduleLearning(now);
    if (now - lastStatusMs >= STATUS_EVERY_MS) {
      lastStatusMs = now;
      vertx.eventBus().publish(Addresses.DASHBOARD_STATUS, status());
    }
  }

  /** Decides whether this sample is the moment to refresh the baseline or (re)train the forest. */
  private void scheduleLearning(long now) {
    if (training) {
      return;
    }
    if (model == null && window.size() >= MIN_BASELINE_SAMPLES && now - lastBaselineMs >= BASELINE_REFRESH_MS
        && !refreshingBaseline) {
      refreshLearningBaseline(now);
    }
    Incident open = incidents.current();
    if (model == null && now - firstSampleMs >= baselineMs) {
      train(now, false, "baseline complete");
    } else if (model != null && now - lastTrainStartMs >= retrainMs) {
      train(now, false, "scheduled retrain");
    } else if (open != null && open.id() != adaptedIncidentId && now - open.startedMs() >= adaptMs) {
      // A level that has lasted adapt_seconds is the new normal: learn it, flagged samples included.
      adaptedIncidentId = open.id();
      train(now, true, "incident " + open.id() + " lasted " + adaptMs / 1000 + " s; adapting to the new level");
    }
  }

  private void refreshLearningBaseline(long now) {
    lastBaselineMs = now;
    double[][] rows = window.rows(now - windowMs, false);
    if (rows.length < MIN_BASELINE_SAMPLES) {
      return;
    }
    refreshingBaseline = true;
    double[] floors = detector.minSpread();
    trainingPool.executeBlocking(() -> RobustBaseline.fit(rows, floors), false)
        .onComplete(ar -> {
          refreshingBaseline = false;
          if (ar.succeeded()) {
            learningBaseline = ar.result();
          } else {
            LOG.error("Baseline refresh failed", ar.cause());
          }
        });
  }

  private void train(long now, boolean includeFlagged, String why) {
    lastTrainStartMs = now;
    double[][] rows = window.rows(now - windowMs, includeFlagged);
    if (rows.length < baselineSamples && !includeFlagged) {
      // Samples in incidents are kept out of training; when that leaves fewer than the baseline
      // promises (a step change early on), the whole window is learned instead: what lasts is normal.
      double[][] all = window.rows(now - windowMs, true);
      if (all.length > rows.length) {
        LOG.info("Training ({}) on all {} samples of the window, flagged ones included: only {} were unflagged, "
            + "fewer than the {} the baseline promises", why, all.length, rows.length, baselineSamples);
        rows = all;
      }
    }
    if (rows.length < baselineSamples) {
      LOG.warn("Not training ({}): only {} samples in the window, {} needed", why, rows.length, baselineSamples);
      return;
    }
    double[][] learn = rows;
    training = true;
    double[] floors = detector.minSpread();
    IsolationForestParams params = forestParams;
    long started = System.nanoTime();
    trainingPool.executeBlocking(() -> DetectorModel.train(learn, floors, params, now, Runnable::run), false)
        .onComplete(ar -> {
          training = false;
          if (ar.succeeded()) {
            model = ar.result();
            learningBaseline = null;
            LOG.info("Model trained ({}) on {} samples in {} ms; threshold {}", why, learn.length,
                (System.nanoTime() - started) / 1_000_000, String.format(java.util.Locale.ROOT, "%.4f",
                    model.threshold()));
            vertx.eventBus().publish(Addresses.DASHBOARD_STATUS, status());
          } else {
            LOG.error("Training failed ({})", why, ar.cause());
          }
          // Samples that arrived meanwhile may have made another step due.
          scheduleLearning(lastSampleMs);
        });
  }

  JsonObject status() {
    DetectorModel m = model;
    long now = System.currentTimeMillis();
    double progress = firstSampleMs < 0 ? 0.0 : Math.min(1.0, (now - firstSampleMs) / (double) baselineMs);
    JsonObject s = new JsonObject()
        .put("status", m != null ? "active" : "learning")
        .put("is_trained", m != null)
        .put("data_points", dataPoints)
        .put("baseline_progress", DetectionJson.round(m != null ? 1.0 : progress, 3))
        .put("baseline_seconds", baselineMs / 1000)
        .put("incidents", incidentsOpened)
        .put("incident_open", incidents.current() != null)
        .put("host", host);
    if (m != null) {
      s.put("training_samples", m.trainingSamples())
          .put("model_trained_at", DetectionJson.iso(m.trainedAtMs()))
          .put("model_age_seconds", Math.max(0, (now - m.trainedAtMs()) / 1000))
          .put("threshold", DetectionJson.round(m.threshold(), 4));
    }
    if (!Double.isNaN(lastScore)) {
      s.put("last_score", DetectionJson.round(lastScore, 4));
    }
    return s;
  }

  @Override
  public Future<?> stop() {
    gauges.forEach(Metrics.globalRegistry::remove);
    return trainingPool.close();
  }
}
