package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detect verticle keeps its model across a redeployment (a restart), and refuses a damaged one. */
class ModelRestoreTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path logs;
  private Vertx vertx;
  private double[][] quiet;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    quiet = AnomalyDetectorTest.quietHost(200, 7);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private String deploy() throws Exception {
    JsonObject config =
        new JsonObject()
            .put("baseline_seconds", 20)
            .put("window_seconds", 30)
            .put("rules", new JsonArray())
            .put("logs_dir", logs.toString());
    return await(
        vertx.deployVerticle(new DetectVerticle(0), new DeploymentOptions().setConfig(config)));
  }

  private void send(int second) {
    vertx
        .eventBus()
        .publish(
            Addresses.METRICS_SAMPLE,
            new MetricSample(T0 + second * 1000L, "h1", quiet[second]).toJson());
  }

  private JsonObject status() throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.DETECT_STATUS, new JsonObject()))
        .body();
  }

  private JsonObject awaitStatus(Predicate<JsonObject> p) throws Exception {
    long end = System.nanoTime() + 10_000_000_000L;
    JsonObject s = status();
    while (!p.test(s)) {
      assertThat(System.nanoTime()).as("status never fit: " + s.encode()).isLessThan(end);
      Thread.sleep(20);
      s = status();
    }
    return s;
  }

  private void awaitTrainingPool() throws Exception {
    var pool = vertx.createSharedWorkerExecutor(DetectVerticle.TRAINING_POOL, 1);
    await(pool.executeBlocking(() -> null, false));
  }

  @Test
  @DisplayName(
      "after a restart the saved model is active from the first sample, with its training time")
  void restoredAfterRestart() throws Exception {
    String first = deploy();
    for (int s = 0; s <= 20; s++) {
      send(s);
    }
    JsonObject trained = awaitStatus(st -> st.getBoolean("is_trained"));
    assertThat(trained.getString("model_source")).isEqualTo("trained");
    awaitTrainingPool(); // the save is queued after the training
    Path file = ModelFile.of(logs, "h1");
    assertThat(file).exists();
    await(vertx.undeploy(first));

    deploy();
    send(21);
    JsonObject restored = awaitStatus(st -> st.getBoolean("is_trained"));
    assertThat(restored.getString("status")).isEqualTo("active");
    assertThat(restored.getString("model_source")).isEqualTo("restored");
    assertThat(restored.getString("model_trained_at"))
        .isEqualTo(trained.getString("model_trained_at"));
    assertThat(restored.getInteger("training_samples"))
        .isEqualTo(trained.getInteger("training_samples"));
    assertThat(restored.getDouble("threshold")).isEqualTo(trained.getDouble("threshold"));
  }

  @Test
  @DisplayName("a damaged saved model is set aside and the host learns afresh")
  void damagedModel() throws Exception {
    String first = deploy();
    for (int s = 0; s <= 20; s++) {
      send(s);
    }
    awaitStatus(st -> st.getBoolean("is_trained"));
    awaitTrainingPool();
    await(vertx.undeploy(first));
    Path file = ModelFile.of(logs, "h1");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 3] ^= 0x40;
    Files.write(file, bytes);

    deploy();
    send(21);
    awaitTrainingPool();
    assertThat(status().getString("status")).isEqualTo("learning");
    try (var files = Files.list(logs.resolve("models"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.contains(".unusable-"));
    }
  }

  @Test
  @DisplayName("at start the window is refilled from the end of metrics_history.csv")
  void windowRefilledFromHistory() throws Exception {
    StringBuilder csv = new StringBuilder(HistoryTailTest.HEADER).append('\n');
    for (int s = -25; s < 0; s++) {
      csv.append(HistoryTailTest.line(T0 + s * 1000L, "h1", 10 + (s & 3), false)).append('\n');
    }
    // persist writes local time; the test host's zone is the server's
    String text =
        csv.toString()
            .lines()
            .map(l -> l.startsWith("timestamp") ? l : relocal(l))
            .reduce("", (a, b) -> a + b + "\n");
    Files.writeString(logs.resolve("metrics_history.csv"), text);
    deploy();
    for (int s = 0; s <= 20; s++) {
      send(s);
    }
    JsonObject trained = awaitStatus(st -> st.getBoolean("is_trained"));
    assertThat(trained.getInteger("training_samples"))
        .as("21 live samples and the 10 of the history within the 30 s window")
        .isEqualTo(31);
  }

  /** The UTC timestamp of a history line in this machine's zone, as persist writes it. */
  private static String relocal(String line) {
    var utc =
        LocalDateTime.parse(
                line.substring(0, 26), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS"))
            .atZone(ZoneOffset.UTC);
    return utc.withZoneSameInstant(ZoneId.systemDefault())
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS"))
        + line.substring(26);
  }
}
