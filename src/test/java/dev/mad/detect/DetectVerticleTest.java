package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The detect verticle driven through the bus with samples carrying synthetic timestamps. */
@ExtendWith(VertxExtension.class)
class DetectVerticleTest {
  private static final long T0 = 1_700_000_000_000L;

  private final List<JsonObject> scored = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonObject> incidents = Collections.synchronizedList(new ArrayList<>());
  private double[][] quiet;
  private Vertx vertx;

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    this.vertx = vertx;
    quiet = AnomalyDetectorTest.quietHost(200, 7);
    vertx.eventBus().<JsonObject>consumer(Addresses.METRICS_SCORED, m -> scored.add(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.INCIDENT, m -> incidents.add(m.body()));
    JsonObject config = new JsonObject().put("baseline_seconds", 20).put("window_seconds", 30)
        .put("retrain_seconds", 10).put("adapt_seconds", 600).put("incident_quiet_seconds", 5)
        .put("rules", new JsonArray());
    await(vertx.deployVerticle(new DetectVerticle(0), new DeploymentOptions().setConfig(config)));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void send(int second, double[] values) {
    vertx.eventBus().publish(Addresses.METRICS_SAMPLE, new MetricSample(T0 + second * 1000L, "h1", values).toJson());
  }

  private JsonObject status() throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.DETECT_STATUS, new JsonObject())).body();
  }

  private JsonObject awaitStatus(Predicate<JsonObject> condition) throws Exception {
    for (int i = 0; i < 200; i++) {
      JsonObject s = status();
      if (condition.test(s)) {
        return s;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("status never matched; last: " + status().encode());
  }

  private JsonObject awaitScored(int index) throws InterruptedException {
    for (int i = 0; i < 400 && scored.size() <= index; i++) {
      Thread.sleep(25);
    }
    return scored.get(index);
  }

  @Test
  @DisplayName("learns during the baseline, trains off the event loop, then flags an outlier with a reason")
  void learnsAndFlags() throws Exception {
    for (int s = 0; s <= 20; s++) {
      send(s, quiet[s]);
    }
    JsonObject learning = status();
    JsonObject trained = awaitStatus(st -> st.getBoolean("is_trained"));
    assertThat(learning.getString("status")).isIn("learning", "active");
    assertThat(trained.getString("status")).isEqualTo("active");
    assertThat(trained.getInteger("training_samples")).isEqualTo(21);
    assertThat(trained.getDouble("threshold")).isBetween(-1.0, 0.0);
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .anyMatch(name -> name.startsWith(DetectVerticle.TRAINING_POOL));

    // a minute of ordinary samples gives the alarm filter a recent maximum; then CPU jumps
    for (int s = 21; s <= 60; s++) {
      send(s, quiet[s]);
    }
    double[] burst = quiet[61].clone();
    burst[0] = 90;
    send(61, burst);
    send(62, burst);
    awaitStatus(st -> st.getLong("data_points") == 63);
    JsonObject flagged = awaitScored(61);
    assertThat(flagged.getBoolean("is_anomaly")).isTrue();
    assertThat(flagged.getString("reason")).contains("High CPU usage detected");
    assertThat(flagged.getString("severity")).isIn("medium", "high", "critical");
    assertThat(scored.subList(0, 61)).allMatch(j -> j.containsKey("is_anomaly"))
        .noneMatch(j -> j.getBoolean("is_anomaly"));
    assertThat(scored).extracting(j -> j.getLong("timestamp")).isSorted().doesNotHaveDuplicates();

    assertThat(incidents).hasSize(1);
    JsonObject incident = incidents.get(0).getJsonObject("incident");
    assertThat(incidents.get(0).getString("change")).isEqualTo("opened");
    assertThat(incident.getString("reason")).contains("High CPU usage detected");
    assertThat(incident.getJsonObject("contributions").getDouble("cpu_percent")).isGreaterThan(50.0);
    double total = incident.getJsonObject("contributions").stream().mapToDouble(e -> ((Number) e.getValue()).doubleValue()).sum();
    assertThat(total).isCloseTo(100.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(incident.getJsonObject("expected").getDouble("cpu_percent")).isBetween(2.0, 8.0);
    assertThat(incident.getJsonObject("metrics").getDouble("cpu_percent")).isEqualTo(90.0);
  }

  @Test
  @DisplayName("retraining leaves the flagged samples out of the training window")
  void flaggedSamplesExcludedFromRetraining() throws Exception {
    for (int s = 0; s <= 60; s++) {
      send(s, quiet[s]);
    }
    awaitStatus(st -> st.getLong("data_points") == 61 && st.getBoolean("is_trained"));
    double[] burst = quiet[61].clone();
    burst[0] = 90;
    for (int s = 61; s <= 64; s++) {
      send(s, burst);
    }
    for (int s = 65; s <= 85; s++) {
      send(s, quiet[s]);
    }
    // A retrain between seconds 65 and 85 sees 30 s of window (30 or 31 samples) minus the 4 flagged
    // (retrains happen every 10 s of sample time, whenever training is not already running).
    JsonObject retrained = awaitStatus(st -> {
      String at = st.getString("model_trained_at");
      return at != null && java.time.OffsetDateTime.parse(at).toInstant().toEpochMilli() >= T0 + 65_000;
    });
    assertThat(scored.subList(61, 65)).allMatch(j -> j.getBoolean("is_anomaly"));
    assertThat(retrained.getInteger("training_samples")).isIn(30 - 4, 31 - 4);
  }

  @Test
  @DisplayName("a step early in the baseline does not starve it: the model is trained on time, on the whole window")
  void stepDuringBaselineStillTrains() throws Exception {
    for (int s = 0; s < 12; s++) {
      send(s, quiet[s]);
    }
    // memory steps up 12 s after start and stays there: flagged samples are kept out of training,
    // which must not leave the model waiting or train it on the 12 samples before the step
    for (int s = 12; s <= 22; s++) {
      double[] stepped = quiet[s].clone();
      stepped[2] = 75;
      send(s, stepped);
    }
    JsonObject trained = awaitStatus(st -> st.getBoolean("is_trained"));
    long trainedAt = java.time.OffsetDateTime.parse(trained.getString("model_trained_at")).toInstant().toEpochMilli();
    assertThat(trainedAt - T0).as("trained at the end of the 20 s baseline").isBetween(20_000L, 22_000L);
    assertThat(trained.getInteger("training_samples")).isGreaterThanOrEqualTo(18);
  }
}
