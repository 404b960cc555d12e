package dev.mad.detect;

import dev.mad.bus.Addresses;
import dev.mad.bus.DetectorStatus;
import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import dev.mad.files.LogsDir;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detection for every host: one {@link HostDetector} per host (window, model, baseline, incidents,
 * gauges), created at the host's first sample, at most {@code max_hosts} of them (a host beyond is
 * refused and logged, never silently dropped; a host silent for a day is forgotten). All hosts'
 * samples are scored on this verticle's event loop (a forest walk takes microseconds); training runs
 * on one shared worker thread, queued, so a thousand hosts never train at once, and hosts that
 * start together are spread over a few seconds. A host whose samples stop for {@code stale_seconds}
 * gets a "host silent" incident, closed when its samples return.
 */
public class DetectVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DetectVerticle.class);
  static final String TRAINING_POOL = "mad-training";

  /** The server's own start-up (class loading, JIT) loads the CPU; keep it out of the baseline. */
  private static final long STARTUP_SKIP_MS = 5_000;

  /** Fleet hosts that start together begin learning up to this much apart. */
  private static final long STAGGER_MS = 5_000;

  private static final long FORGET_SILENT_MS = 86_400_000L;

  private final long startupSkipMs;
  private HostDetector.Settings settings;
  private WorkerExecutor trainingPool;
  private final Map<String, HostDetector> hosts = new LinkedHashMap<>();
  private final Map<String, SilentHost> silent = new HashMap<>();

  /** False alarms marked per host; kept while the host is forgotten, at most max_hosts hosts. */
  private final Map<String, FalseAlarms> falseAlarms = new HashMap<>();

  /** Where models are kept across restarts (handed over by the wiring); null: not kept. */
  private Path logsDir;

  /** Per host, the history's last window, until the host's first live sample. */
  private Map<String, List<HistoryTail.Row>> history = new HashMap<>();

  /** The most of metrics_history.csv's end read at start. */
  private static final long HISTORY_TAIL_BYTES = 64L * 1024 * 1024;

  private int falseAlarmMarks;
  private double falseAlarmTolerance;
  private long falseAlarmKeepMs;
  private int maxHosts;
  private long staleMs;
  private String localHost;
  private long refused;
  private long lastRefusalLogMs;
  private Counter refusedCounter;
  private Gauge hostsGauge;
  private long timerId = -1;

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
    AnomalyDetector detector =
        new AnomalyDetector(
            MetricSample.METRICS,
            DetectionJson.rules(c.getJsonArray("rules")),
            DetectionJson.detectorSettings(c));
    // the sampling period, which the wiring hands over from collect.interval_ms
    Integer interval = c.getInteger("interval_ms");
    long intervalMs =
        Math.max(
            1,
            interval != null
                ? interval
                : (Integer) ConfigSchema.setting(ConfigSchema.COLLECT_INTERVAL_MS).defaultValue());
    settings =
        new HostDetector.Settings(
            detector,
            DetectionJson.forestParams(c, c.getDouble("contamination")),
            c.getInteger("baseline_seconds") * 1000L,
            c.getInteger("window_seconds") * 1000L,
            c.getInteger("retrain_seconds") * 1000L,
            c.getInteger("adapt_seconds") * 1000L,
            intervalMs,
            DetectionJson.openLevel(c.getDouble("sensitivity")),
            c.getDouble("contamination"),
            (int) Math.max(1, c.getInteger("incident_quiet_seconds") * 1000L / intervalMs));
    // hub limits, handed over by the wiring (absent: their defaults)
    maxHosts =
        c.getValue("max_hosts") instanceof Integer max
            ? max
            : (Integer) ConfigSchema.setting("hub.max_hosts").defaultValue();
    // only a hub watches for silent hosts
    staleMs = c.getValue("stale_seconds") instanceof Integer stale ? stale * 1000L : 0;
    logsDir = c.getValue(ConfigSchema.LOGS_DIR) instanceof String dir ? Path.of(dir) : null;
    falseAlarmMarks = c.getInteger("false_alarm_marks");
    falseAlarmTolerance = c.getDouble("false_alarm_tolerance");
    falseAlarmKeepMs = c.getInteger("false_alarm_days") * 86_400_000L;
    trainingPool = vertx.createSharedWorkerExecutor(TRAINING_POOL, 1);
    refusedCounter =
        Counter.builder("mad.hosts.refused.samples")
            .description("Samples refused because the hub already tracks hub.max_hosts hosts")
            .register(Metrics.globalRegistry);
    hostsGauge =
        Gauge.builder("mad.hosts", hosts, Map::size)
            .description("Hosts detect tracks")
            .register(Metrics.globalRegistry);
    if (staleMs > 0) {
      timerId = vertx.setPeriodic(1000, id -> checkSilent());
    }

    var bus = vertx.eventBus();
    var samples = bus.<JsonObject>localConsumer(Addresses.METRICS_SAMPLE, this::onSample);
    var status = bus.<JsonObject>localConsumer(Addresses.DETECT_STATUS, this::status);
    var list = bus.<JsonObject>localConsumer(Addresses.DETECT_HOSTS, m -> m.reply(hostList()));
    var worked = bus.<JsonObject>localConsumer(Addresses.INCIDENT_WORKED, this::onWorked);
    loadFalseAlarms(System.currentTimeMillis() - falseAlarmKeepMs, 0);
    var health =
        bus.<JsonObject>localConsumer(
            Addresses.health("detect"),
            m ->
                m.reply(
                    defaultStatus()
                        .put("deployment_id", deploymentID())
                        .put("hosts", hosts.size())
                        .put("samples_refused", refused)));
    Future<?> refilled = Future.succeededFuture();
    if (logsDir != null) {
      long windowMs = settings.windowMs();
      Path file = logsDir.resolve(LogsDir.METRICS_HISTORY);
      refilled =
          trainingPool
              .executeBlocking(
                  () ->
                      HistoryTail.read(
                          file,
                          detector.metrics(),
                          windowMs,
                          HISTORY_TAIL_BYTES,
                          maxHosts,
                          ZoneId.systemDefault()),
                  false)
              .onSuccess(
                  h -> {
                    history = h;
                    // hosts that have not come back within the hour will not need their past
                    vertx.setTimer(3_600_000, id -> history = new HashMap<>());
                  })
              .recover(
                  e -> {
                    LOG.warn("Cannot read the end of {}: {}", file, e.toString());
                    return Future.succeededFuture();
                  });
    }
    return Future.all(
        List.of(
            refilled,
            samples.completion(),
            status.completion(),
            list.completion(),
            worked.completion(),
            health.completion()));
  }

  private FalseAlarms falseAlarmsOf(String host) {
    FalseAlarms f = falseAlarms.get(host);
    if (f == null) {
      f = new FalseAlarms(falseAlarmMarks, falseAlarmTolerance, falseAlarmKeepMs);
      if (falseAlarms.size() < maxHosts) {
        falseAlarms.put(host, f);
      }
    }
    return f;
  }

  /** A person worked an incident: a false alarm is learned, a resolved one closes. */
  private void onWorked(Message<JsonObject> message) {
    JsonObject b = message.body();
    IncidentChange.Report r;
    try {
      r = IncidentChange.Report.fromJson(b.getJsonObject("incident"));
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a malformed incident action: {}", e.getMessage());
      return;
    }
    HostDetector h = hosts.get(r.host());
    switch (b.getString("action", "")) {
      case IncidentChange.FALSE_ALARM -> {
        if (h != null) {
          h.falseAlarm(r);
        } else {
          FalseAlarms.Mark m = HostDetector.markOf(r, System.currentTimeMillis());
          if (m != null) {
            falseAlarmsOf(r.host()).mark(m);
          }
        }
      }
      case IncidentChange.RESOLVED -> {
        if (h != null) {
          h.resolve(r.id());
        }
      }
      default -> {}
    }
  }

  /**
   * Learns the false alarms marked within {@code detect.false_alarm_days} from the incident history,
   * a page at a time, so a restart forgets none. The history may not be there (persist's database
   * unwritable): then detection starts without them, saying so.
   */
  private void loadFalseAlarms(long fromMs, int offset) {
    JsonObject q =
        new JsonObject()
            .put("false_alarm", true)
            .put("from_ms", fromMs)
            .put("limit", 500)
            .put("offset", offset);
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.INCIDENTS_QUERY, q, Addresses.local())
        .onSuccess(
            reply -> {
              JsonArray page = reply.body().getJsonArray("incidents");
              for (int i = 0; i < page.size(); i++) {
                JsonObject row = page.getJsonObject(i);
                IncidentChange.Report r = IncidentChange.Report.fromJson(row);
                long marked = markedMs(row.getString("updated_at"));
                FalseAlarms.Mark m = HostDetector.markOf(r, marked);
                if (m != null) {
                  falseAlarmsOf(r.host()).mark(m);
                }
              }
              long total = reply.body().getLong("total");
              if (offset + page.size() < total && !page.isEmpty()) {
                loadFalseAlarms(fromMs, offset + page.size());
              } else if (total > 0) {
                LOG.info(
                    "Learned {} false alarms marked in the last {} days",
                    total,
                    falseAlarmKeepMs / 86_400_000L);
              }
            })
        .onFailure(
            e ->
                LOG.warn(
                    "False alarms marked before this start are not known: {}", e.getMessage()));
  }

  private static long markedMs(String iso) {
    try {
      return Instant.parse(iso).toEpochMilli();
    } catch (RuntimeException e) {
      return System.currentTimeMillis();
    }
  }

  private void onSample(Message<JsonObject> message) {
    MetricSample sample;
    try {
      sample = MetricSample.fromJson(message.body());
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a malformed sample: {}", e.getMessage());
      return;
    }
    HostDetector h = hosts.get(sample.host());
    if (h == null) {
      h = admit(sample.host(), message.body().getValue(MetricSample.AGENT_ID) == null);
      if (h == null) {
        return;
      }
    }
    SilentHost wasSilent = silent.remove(sample.host());
    if (wasSilent != null) {
      publishSilent(wasSilent, IncidentChange.CLOSED, System.currentTimeMillis());
    }
    h.onSample(sample, message.body());
  }

  private HostDetector admit(String host, boolean local) {
    if (hosts.size() >= maxHosts) {
      refused++;
      refusedCounter.increment();
      long now = System.currentTimeMillis();
      if (now - lastRefusalLogMs >= 60_000) {
        lastRefusalLogMs = now;
        LOG.warn(
            "Refusing samples of host '{}': already tracking hub.max_hosts = {} hosts ({} samples"
                + " refused so far); raise hub.max_hosts to watch more",
            host,
            maxHosts,
            refused);
      }
      return null;
    }
    if (local && localHost == null) {
      localHost = host;
      hosts.values().forEach(other -> other.primary(false));
    }
    // the server's own start-up loads only its own host; fleet hosts are spread out instead
    long skip = local ? startupSkipMs : Math.floorMod(host.hashCode(), STAGGER_MS);
    HostDetector h =
        new HostDetector(
            vertx,
            host,
            settings,
            skip,
            trainingPool,
            falseAlarmsOf(host),
            logsDir == null ? null : ModelFile.of(logsDir, host));
    h.primary(host.equals(localHost) || localHost == null && hosts.isEmpty());
    List<HistoryTail.Row> past = history.remove(host);
    if (past != null) {
      h.refill(past);
    }
    hosts.put(host, h);
    if (hosts.size() > 1) {
      LOG.info("Watching host '{}' ({} hosts)", host, hosts.size());
    }
    return h;
  }

  /** The host a request without {@code host} means: this machine's, else the first one seen. */
  private HostDetector defaultHost() {
    if (localHost != null && hosts.containsKey(localHost)) {
      return hosts.get(localHost);
    }
    return hosts.isEmpty() ? null : hosts.values().iterator().next();
  }

  private JsonObject defaultStatus() {
    HostDetector h = defaultHost();
    if (h != null) {
      return h.status();
    }
    return new DetectorStatus(
            DetectorStatus.LEARNING,
            0,
            0.0,
            settings.baselineMs() / 1000,
            0,
            false,
            "",
            null,
            null,
            null,
            null,
            null,
            0,
            null)
        .toJson();
  }

  private void status(Message<JsonObject> m) {
    String host = m.body() == null ? null : m.body().getString("host");
    if (host == null || host.isEmpty()) {
      m.reply(defaultStatus());
      return;
    }
    HostDetector h = hosts.get(host);
    if (h == null) {
      m.fail(404, "no such host: " + host);
    } else {
      m.reply(h.status());
    }
  }

  /** Every host, worst first: silent, then open incident, then lowest score. */
  private JsonObject hostList() {
    long now = System.currentTimeMillis();
    List<JsonObject> list = new ArrayList<>();
    for (HostDetector h : hosts.values()) {
      boolean isSilent = silent.containsKey(h.host());
      String state = isSilent ? "silent" : h.active() ? "active" : "learning";
      JsonObject j =
          new JsonObject()
              .put("host", h.host())
              .put("state", state)
              .put("last_sample_age_ms", h.lastSampleMs() == 0 ? null : now - h.lastSampleMs())
              .put("incident_open", h.incidentOpen() || isSilent)
              .put("local", h.host().equals(localHost))
              .put("samples_lost", h.samplesLost());
      if (!Double.isNaN(h.lastScore())) {
        j.put("last_score", DetectionJson.round(h.lastScore(), 4));
      }
      list.add(j);
    }
    list.sort(
        Comparator.<JsonObject>comparingInt(j -> "silent".equals(j.getString("state")) ? 0 : 1)
            .thenComparingInt(j -> j.getBoolean("incident_open") ? 0 : 1)
            .thenComparingDouble(j -> j.getDouble("last_score", 0.0))
            .thenComparing(j -> j.getString("host")));
    return new JsonObject()
        .put("hosts", new JsonArray(new ArrayList<>(list)))
        .put("max_hosts", maxHosts)
        .put("samples_refused", refused);
  }

  private void checkSilent() {
    long now = System.currentTimeMillis();
    Iterator<HostDetector> it = hosts.values().iterator();
    while (it.hasNext()) {
      HostDetector h = it.next();
      long age = now - h.lastSampleMs();
      if (h.lastSampleMs() == 0) {
        continue;
      }
      if (age > FORGET_SILENT_MS) {
        LOG.info("Forgetting host '{}': no sample for {} h", h.host(), age / 3_600_000);
        SilentHost s = silent.remove(h.host());
        if (s != null) {
          publishSilent(s, IncidentChange.CLOSED, now);
        }
        h.close();
        h.forget();
        it.remove();
      } else if (age > staleMs && !silent.containsKey(h.host())) {
        SilentHost s = new SilentHost(h.host(), h.lastSampleMs(), now);
        silent.put(h.host(), s);
        LOG.warn("Host '{}' is silent: no sample for {} s", h.host(), age / 1000);
        publishSilent(s, IncidentChange.OPENED, now);
      }
    }
  }

  private void publishSilent(SilentHost s, String change, long now) {
    boolean closed = change.equals(IncidentChange.CLOSED);
    double seconds = (now - s.lastSampleMs()) / 1000.0;
    IncidentChange.Report report =
        new IncidentChange.Report(
            s.openedMs(),
            DetectionJson.iso(s.openedMs()),
            null,
            Map.of(),
            "Host silent: no sample for " + Math.round(seconds) + " s",
            List.of(
                "no samples from " + s.host() + " since " + DetectionJson.iso(s.lastSampleMs())),
            "high",
            s.host(),
            List.of(new IncidentChange.Detector("host_silent", null, seconds, staleMs / 1000.0)),
            Map.of(),
            Map.of(),
            DetectionJson.iso(s.lastSampleMs()),
            closed ? DetectionJson.iso(now) : null,
            DetectionJson.round(seconds, 1),
            0);
    vertx
        .eventBus()
        .publish(
            Addresses.INCIDENT, new IncidentChange(change, report).toJson(), Addresses.local());
  }

  /** A host that has gone quiet, and when its "host silent" incident opened. */
  private record SilentHost(String host, long lastSampleMs, long openedMs) {}

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    hosts.values().forEach(HostDetector::close);
    Metrics.globalRegistry.remove(refusedCounter);
    Metrics.globalRegistry.remove(hostsGauge);
    return trainingPool.close();
  }
}
