package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The detect verticle driven through the bus with samples carrying synthetic timestamps. */
@ExtendWith(VertxExtension.class)
class DetectVerticleTest {
  private static final long T0 = 1_700_000_000_000L;

  private double[][] quiet;
  private Vertx vertx;
  private Received scored;
  private Received incidents;
  private Received statuses;

  /**
   * The messages published on one address, in arrival order, and a wait for the first that fit a
   * condition. The consumers and the status requests of a test all run on the test thread's event
   * loop, so what detect published before it answered a request has been received by then.
   */
  static final class Received {
    private record Waiter<T>(Function<List<JsonObject>, T> probe, CompletableFuture<T> done) {
      boolean check(List<JsonObject> messages) {
        T found = probe.apply(messages);
        return found != null && done.complete(found);
      }
    }

    private final String address;
    private final List<JsonObject> messages = new ArrayList<>();
    private final List<Waiter<?>> waiting = new ArrayList<>();

    private Received(String address) {
      this.address = address;
    }

    static Received on(Vertx vertx, String address) throws Exception {
      Received received = new Received(address);
      var consumer = vertx.eventBus().<JsonObject>consumer(address, m -> received.add(m.body()));
      DetectVerticleTest.await(consumer.completion());
      return received;
    }

    private synchronized void add(JsonObject message) {
      messages.add(message);
      waiting.removeIf(w -> w.check(messages));
    }

    synchronized List<JsonObject> all() {
      return List.copyOf(messages);
    }

    /** The first message that satisfies {@code condition}, waiting for it if none has yet. */
    JsonObject first(Predicate<JsonObject> condition) throws Exception {
      return awaitFound(
          ms -> ms.stream().filter(condition).findFirst().orElse(null), "no message that fits");
    }

    /** The first {@code count} messages, waiting for them if fewer have arrived. */
    List<JsonObject> first(int count) throws Exception {
      return awaitFound(
          ms -> ms.size() >= count ? List.copyOf(ms.subList(0, count)) : null,
          "not " + count + " messages");
    }

    private <T> T awaitFound(Function<List<JsonObject>, T> probe, String failure) throws Exception {
      CompletableFuture<T> done = new CompletableFuture<>();
      synchronized (this) {
        Waiter<T> waiter = new Waiter<>(probe, done);
        if (!waiter.check(messages)) {
          waiting.add(waiter);
        }
      }
      try {
        return done.get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        List<JsonObject> got = all();
        throw new AssertionError(
            failure
                + " on "
                + address
                + " within 10 s; "
                + got.size()
                + " arrived, the last: "
                + (got.isEmpty() ? "none" : got.get(got.size() - 1).encode()));
      }
    }
  }

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    this.vertx = vertx;
    quiet = AnomalyDetectorTest.quietHost(200, 7);
    scored = Received.on(vertx, Addresses.METRICS_SCORED);
    incidents = Received.on(vertx, Addresses.INCIDENT);
    statuses = Received.on(vertx, Addresses.DASHBOARD_STATUS);
    JsonObject config =
        new JsonObject()
            .put("baseline_seconds", 20)
            .put("window_seconds", 30)
            .put("retrain_seconds", 10)
            .put("adapt_seconds", 600)
            .put("incident_quiet_seconds", 5)
            .put("rules", new JsonArray());
    await(vertx.deployVerticle(new DetectVerticle(0), new DeploymentOptions().setConfig(config)));
  }

  /** Returns once every task queued on detect's one-thread training pool so far has run. */
  private void awaitTrainingPool() throws Exception {
    var pool = vertx.createSharedWorkerExecutor(DetectVerticle.TRAINING_POOL, 1);
    await(pool.executeBlocking(() -> null, false));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void send(int second, double[] values) {
    vertx
        .eventBus()
        .publish(
            Addresses.METRICS_SAMPLE, new MetricSample(T0 + second * 1000L, "h1", values).toJson());
  }

  /** The detector's status, answered after every sample sent before (it handles its messages in order). */
  private JsonObject status() throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.DETECT_STATUS, new JsonObject()))
        .body();
  }

  private static boolean learning(JsonObject status) {
    return "learning".equals(status.getString("status"))
        && !status.getBoolean("is_trained")
        && !status.containsKey("training_samples");
  }

  private static long trainedAtMs(JsonObject status) {
    String at = status.getString("model_trained_at");
    return at == null ? Long.MIN_VALUE : OffsetDateTime.parse(at).toInstant().toEpochMilli();
  }

  @Test
  @DisplayName(
      "learns during the baseline, trains off the event loop, then flags an outlier with a reason")
  void learnsAndFlags() throws Exception {
    for (int s = 0; s < 20; s++) {
      send(s, quiet[s]);
    }
    assertThat(scored.first(20))
        .extracting(j -> j.getLong("timestamp"))
        .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(s -> T0 + s * 1000L).toList());
    JsonObject learning = status();
    assertThat(learning.getString("status"))
        .as("one sample before the baseline is complete")
        .isEqualTo("learning");
    assertThat(learning.getBoolean("is_trained")).isFalse();
    assertThat(learning.getLong("data_points")).isEqualTo(20);
    assertThat(learning.containsKey("training_samples")).isFalse();
    assertThat(statuses.all())
        .as("published during the baseline")
        .isNotEmpty()
        .allMatch(DetectVerticleTest::learning);

    send(20, quiet[20]);
    JsonObject trained = statuses.first(st -> st.getBoolean("is_trained"));
    assertThat(trained.getString("status")).isEqualTo("active");
    assertThat(trained.getDouble("baseline_progress")).isEqualTo(1.0);
    assertThat(trained.getInteger("training_samples")).isEqualTo(21);
    assertThat(trainedAtMs(trained))
        .as("trained on the sample that completed the baseline")
        .isEqualTo(T0 + 20_000);
    assertThat(trained.getDouble("threshold")).isBetween(-1.0, 0.0);
    List<JsonObject> published = statuses.all();
    assertThat(published.subList(0, published.indexOf(trained)))
        .allMatch(DetectVerticleTest::learning);
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .anyMatch(name -> name.startsWith(DetectVerticle.TRAINING_POOL));

    // a minute of ordinary samples gives the alarm filter a recent maximum; then CPU jumps
    for (int s = 21; s <= 60; s++) {
      send(s, quiet[s]);
    }
    double[] burst = quiet[61].clone();
    burst[0] = 90;
    send(61, burst);
    send(62, burst);
    List<JsonObject> all = scored.first(63);
    assertThat(status().getLong("data_points")).isEqualTo(63);
    JsonObject flagged = all.get(61);
    assertThat(flagged.getBoolean("is_anomaly")).isTrue();
    assertThat(flagged.getString("reason")).contains("High CPU usage detected");
    assertThat(flagged.getString("severity")).isIn("medium", "high", "critical");
    assertThat(all.subList(0, 61))
        .allMatch(j -> j.containsKey("is_anomaly"))
        .noneMatch(j -> j.getBoolean("is_anomaly"));
    assertThat(scored.all())
        .hasSize(63)
        .extracting(j -> j.getLong("timestamp"))
        .isSorted()
        .doesNotHaveDuplicates();

    JsonObject opened = incidents.first(1).get(0);
    assertThat(incidents.all()).hasSize(1);
    JsonObject incident = opened.getJsonObject("incident");
    assertThat(opened.getString("change")).isEqualTo("opened");
    assertThat(incident.getString("reason")).contains("High CPU usage detected");
    assertThat(incident.getJsonObject("contributions").getDouble("cpu_percent"))
        .isGreaterThan(50.0);
    double total =
        incident.getJsonObject("contributions").stream()
            .mapToDouble(e -> ((Number) e.getValue()).doubleValue())
            .sum();
    assertThat(total).isCloseTo(100.0, Offset.offset(1e-6));
    assertThat(incident.getJsonObject("expected").getDouble("cpu_percent")).isBetween(2.0, 8.0);
    assertThat(incident.getJsonObject("metrics").getDouble("cpu_percent")).isEqualTo(90.0);
  }

  @Test
  @DisplayName("retraining leaves the flagged samples out of the training window")
  void flaggedSamplesExcludedFromRetraining() throws Exception {
    for (int s = 0; s <= 60; s++) {
      send(s, quiet[s]);
    }
    // the burst must meet a model: the first trained status is published once it is in place
    statuses.first(st -> st.getBoolean("is_trained"));
    double[] burst = quiet[61].clone();
    burst[0] = 90;
    for (int s = 61; s <= 64; s++) {
      send(s, burst);
    }
    for (int s = 65; s <= 85; s++) {
      send(s, quiet[s]);
    }
    // A retrain between seconds 65 and 85 sees 30 s of window (30 or 31 samples) minus the 4
    // flagged
    // (retrains happen every 10 s of sample time, whenever training is not already running).
    JsonObject retrained = statuses.first(st -> trainedAtMs(st) >= T0 + 65_000);
    assertThat(scored.first(65).subList(61, 65)).allMatch(j -> j.getBoolean("is_anomaly"));
    assertThat(trainedAtMs(retrained)).isLessThanOrEqualTo(T0 + 85_000);
    assertThat(retrained.getInteger("training_samples")).isIn(30 - 4, 31 - 4);
  }

  @Test
  @DisplayName(
      "a step early in the baseline does not starve it: the model is trained on time, on the whole window")
  void stepDuringBaselineStillTrains() throws Exception {
    // one sample at a time, so the learning baseline refreshed from the first five is in place when
    // memory steps
    for (int s = 0; s < 12; s++) {
      send(s, quiet[s]);
      scored.first(s + 1);
    }
    // the learning baseline is fitted on the training pool; once a task queued behind that fit
    // has run, the fit's result is queued on detect's event loop ahead of the next sample
    awaitTrainingPool();
    // memory steps up to 90 % 12 s after start and stays there: flagged samples are kept out of
    // training,
    // which must not leave the model waiting or train it on the 12 samples before the step
    for (int s = 12; s <= 22; s++) {
      double[] stepped = quiet[s].clone();
      stepped[2] = 90;
      send(s, stepped);
      scored.first(s + 1);
    }
    JsonObject trained = statuses.first(st -> st.getBoolean("is_trained"));
    assertThat(incidents.first(1).get(0).getString("change")).isEqualTo("opened");
    long flagged = scored.first(21).stream().filter(j -> j.getBoolean("is_anomaly")).count();
    assertThat(flagged)
        .as("flagged samples by the end of the baseline, more than the 3 of 21 it can spare")
        .isGreaterThan(3);
    assertThat(trainedAtMs(trained) - T0)
        .as("trained at the end of the 20 s baseline")
        .isEqualTo(20_000L);
    assertThat(trained.getInteger("training_samples"))
        .as("every sample of the window")
        .isEqualTo(21);
  }

  @Test
  @DisplayName(
      "a training held back for want of samples is logged once when it starts and once when it ends, "
          + "not at every sample")
  void shortageLoggedOnce() throws Exception {
    ch.qos.logback.classic.Logger log =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(HostDetector.class);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    AppenderBase<ILoggingEvent> appender =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            lines.add(event.getLevel() + " " + event.getFormattedMessage());
          }
        };
    appender.start();
    log.addAppender(appender);
    log.setLevel(Level.INFO);
    log.setAdditive(false);
    try {
      // a sample every other second: the 20 s baseline holds 11 and the 30 s window 16 of the 18
      // needed
      for (int s = 0; s <= 40; s += 2) {
        send(s, quiet[s]);
      }
      scored.first(21);
      assertThat(status().getString("status")).isEqualTo("learning");
      assertThat(lines)
          .containsExactly(
              "WARN Host h1: not training (baseline complete): only 11 samples in the window, 18 needed; waiting for more");

      // a sample every second again: the window holds 18 at 44 s
      for (int s = 41; s <= 44; s++) {
        send(s, quiet[s]);
      }
      JsonObject trained = statuses.first(st -> st.getBoolean("is_trained"));
      assertThat(trainedAtMs(trained)).isEqualTo(T0 + 44_000);
      assertThat(trained.getInteger("training_samples")).isEqualTo(18);
      assertThat(lines).filteredOn(l -> l.contains("not training")).hasSize(1);
      assertThat(lines)
          .filteredOn(l -> l.contains("training again"))
          .containsExactly(
              "INFO Host h1: training again (baseline complete): 18 samples in the window, 18 needed, after 24 s with too few");
    } finally {
      log.detachAppender(appender);
      log.setLevel(null);
      log.setAdditive(true);
    }
  }
}
