package dev.mad.detect;

import dev.mad.bus.Addresses;
import dev.mad.bus.DetectorStatus;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the window and the model. Scores every sample once, in arrival order, on its event loop
 * (a forest walk takes microseconds); trains and retrains when its {@link LearningSchedule} says so,
 * on a dedicated worker pool, and swaps the immutable model in one assignment on this verticle's context.
 */
public class DetectVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DetectVerticle.class);
  static final String TRAINING_POOL = "mad-training";
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
  private LearningSchedule schedule;
  private WorkerExecutor trainingPool;

  private volatile DetectorModel model;
  private RobustBaseline learningBaseline;
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
    detector =
        new AnomalyDetector(
            MetricSample.METRICS,
            DetectionJson.rules(c.getJsonArray("rules")),
            DetectionJson.detectorSettings(c));
    forestParams = DetectionJson.forestParams(c, c.getDouble("contamination"));
    // the sampling period, which the wiring hands over from collect.interval_ms
    Integer interval = c.getInteger("interval_ms");
    long intervalMs =
        Math.max(
            1,
            interval != null
                ? interval
                : (Integer) ConfigSchema.setting(ConfigSchema.COLLECT_INTERVAL_MS).defaultValue());
    long windowMs = c.getInteger("window_seconds") * 1000L;
    schedule =
        new LearningSchedule(
            c.getInteger("baseline_seconds") * 1000L,
            windowMs,
            c.getInteger("retrain_seconds") * 1000L,
            c.getInteger("adapt_seconds") * 1000L,
            intervalMs,
            startupSkipMs);
    int quietSamples =
        (int) Math.max(1, c.getInteger("incident_quiet_seconds") * 1000L / intervalMs);
    incidents =
        new IncidentTracker(
            new AlarmFilter(
                DetectionJson.openLevel(c.getDouble("sensitivity")),
                c.getDouble("contamination"),
                quietSamples),
            5_000);
    window = new SampleWindow(windowMs);
    past = new RecentPast(detector);
    trainingPool = vertx.createSharedWorkerExecutor(TRAINING_POOL, 1);

    var samples = vertx.eventBus().<JsonObject>consumer(Addresses.METRICS_SAMPLE, this::onSample);
    var status =
        vertx.eventBus().<JsonObject>consumer(Addresses.DETECT_STATUS, m -> m.reply(status()));
    var health =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.health("detect"),
                m -> m.reply(status().put("deployment_id", deploymentID())));
    gauges.add(
        Gauge.builder(
                "mad.model.age.seconds",
                this,
                v ->
                    v.model == null
                        ? Double.NaN
                        : (System.currentTimeMillis() - v.model.trainedAtMs()) / 1000.0)
            .description("Seconds since the live model was trained")
            .register(Metrics.globalRegistry));
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
    schedule.sampleArrived(now);
    if (!sample.host().equals(host)) {
      host = sample.host();
      gauges.add(
          Gauge.builder("mad.anomaly.score", this, v -> v.lastScore)
              .description("Isolation Forest score of the latest sample (lower is stranger)")
              .tag("host", host)
              .register(Metrics.globalRegistry));
      incidentCounter =
          Counter.builder("mad.incidents.opened")
              .description("Incidents opened")
              .tag("host", host)
              .register(Metrics.globalRegistry);
    }
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
                sample.host(),
                values,
                judged,
                record,
                v -> detector.evaluate(values, m, base, v.score(), true, recent));
    boolean flagged = result != null && result.flagged();
    Verdict shown = result != null ? result.verdict() : judged;
    if (!startingUp) {
      window.add(now, values, flagged);
    }
    vertx
        .eventBus()
        .publish(Addresses.METRICS_SCORED, DetectionJson.scored(message.body(), shown, flagged));

    List<IncidentTracker.Event> events = result == null ? List.of() : result.events();
    for (IncidentTracker.Event event : events) {
      if (event.change() == IncidentTracker.Change.OPENED) {
        incidentsOpened++;
        incidentCounter.increment();
      }
      JsonObject json =
          new JsonObject()
              .put("change", event.change().name().toLowerCase(Locale.ROOT))
              .put("incident", DetectionJson.incident(event.incident(), detector.metrics()));
      vertx.eventBus().publish(Addresses.INCIDENT, json);
    }
    follow(schedule.next(now, this::windowRows, openIncident()));
    if (now - lastStatusMs >= STATUS_EVERY_MS) {
      lastStatusMs = now;
      vertx.eventBus().publish(Addresses.DASHBOARD_STATUS, status());
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
    if (plan.refreshBaseline()) {
      refreshLearningBaseline(plan.fromMs());
    }
    LearningSchedule.Shortage shortage = plan.shortageBegan();
    if (shortage != null) {
      LOG.warn(
          "Not training ({}): only {} samples in the window, {} needed; waiting for more",
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
                LOG.error("Baseline refresh failed", ar.cause());
              }
            });
  }

  private void train(LearningSchedule.Training t) {
    String why = t.why();
    LearningSchedule.Shortage ended = t.shortageEnded();
    if (ended != null) {
      LOG.info(
          "Training again ({}): {} samples in the window, {} needed, after {} s with too few",
          why,
          t.rows(),
          ended.needed(),
          (t.atMs() - ended.sinceMs()) / 1000);
    }
    if (t.widened()) {
      LOG.info(
          "Training ({}) on all {} samples of the window, flagged ones included: only {} were unflagged, "
              + "fewer than the {} the baseline promises",
          why,
          t.rows(),
          t.widenedFrom(),
          schedule.baselineSamples());
    }
    double[][] learn = window.rows(t.fromMs(), t.includeFlagged());
    double[] floors = detector.minSpread();
    IsolationForestParams params = forestParams;
    long started = System.nanoTime();
    trainingPool
        .executeBlocking(
            () -> DetectorModel.train(learn, floors, params, t.atMs(), Runnable::run), false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                model = ar.result();
                learningBaseline = null;
                LOG.info(
                    "Model trained ({}) on {} samples in {} ms; threshold {}",
                    why,
                    learn.length,
                    (System.nanoTime() - started) / 1_000_000,
                    String.format(Locale.ROOT, "%.4f", model.threshold()));
              } else {
                LOG.error("Training failed ({})", why, ar.cause());
              }
              LearningSchedule.Plan next =
                  schedule.trainingFinished(ar.succeeded(), this::windowRows, openIncident());
              if (ar.succeeded()) {
                vertx.eventBus().publish(Addresses.DASHBOARD_STATUS, status());
              }
              follow(next);
            });
  }

  JsonObject status() {
    DetectorModel m = model;
    long now = System.currentTimeMillis();
    boolean active = schedule.phase() == LearningSchedule.Phase.ACTIVE;
    return new DetectorStatus(
            active ? DetectorStatus.ACTIVE : DetectorStatus.LEARNING,
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
            Double.isNaN(lastScore) ? null : DetectionJson.round(lastScore, 4))
        .toJson();
  }

  @Override
  public Future<?> stop() {
    gauges.forEach(Metrics.globalRegistry::remove);
    return trainingPool.close();
  }
}
