package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.MainVerticle;
import dev.mad.bus.Addresses;
import dev.mad.bus.AnalysisProgress;
import dev.mad.bus.DetectorStatus;
import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import dev.mad.bus.ScoredSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bus contract: every message the running product sends on each address is exactly its record's
 * JSON form, so {@code fromJson} then {@code toJson} gives it back unchanged (a field a producer adds
 * without the record, or a record field a producer forgets, fails here).
 */
@ExtendWith(VertxExtension.class)
class BusContractTest {
  private static final Path FIXTURE =
      Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");

  @TempDir Path logs;

  @Test
  @DisplayName(
      "samples, scored samples, status, incidents and analysis progress round-trip through their records")
  void everyMessageIsItsRecord(Vertx vertx) throws Exception {
    Map<String, Function<JsonObject, JsonObject>> contract =
        Map.of(
            Addresses.METRICS_SAMPLE, j -> MetricSample.fromJson(j).toJson(),
            Addresses.METRICS_SCORED, j -> ScoredSample.fromJson(j).toJson(),
            Addresses.DASHBOARD_METRICS, j -> ScoredSample.fromJson(j).toJson(),
            Addresses.DASHBOARD_STATUS, j -> DetectorStatus.fromJson(j).toJson(),
            Addresses.INCIDENT, j -> IncidentChange.fromJson(j).toJson(),
            Addresses.DASHBOARD_ANOMALY, j -> IncidentChange.fromJson(j).toJson(),
            Addresses.DASHBOARD_ANALYSIS, j -> AnalysisProgress.fromJson(j).toJson());
    Map<String, List<JsonObject>> seen = new ConcurrentHashMap<>();
    for (String address : contract.keySet()) {
      seen.put(address, new CopyOnWriteArrayList<>());
      await(
          vertx
              .eventBus()
              .<JsonObject>consumer(address, m -> seen.get(address).add(m.body()))
              .completion());
    }
    Promise<Void> trained = Promise.promise();
    Promise<Void> incident = Promise.promise();
    Promise<Void> analysed = Promise.promise();
    await(
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.DASHBOARD_STATUS,
                m -> {
                  if (m.body().getBoolean("is_trained")) {
                    trained.tryComplete();
                  }
                })
            .completion());
    await(
        vertx
            .eventBus()
            .<JsonObject>consumer(Addresses.INCIDENT, m -> incident.tryComplete())
            .completion());
    await(
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.DASHBOARD_ANALYSIS,
                m -> {
                  if (m.body().getString("phase").equals("done")) {
                    analysed.tryComplete();
                  }
                })
            .completion());

    // the collector silenced; the test's samples are the host's: a quiet host, then a CPU burst
    int port = ServerFixture.freePort();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("collect", new JsonObject().put("interval_ms", 3_600_000))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", new JsonObject().put("port", port));
    await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    long t0 = System.currentTimeMillis();
    for (int i = 0; i < 20; i++) {
      publish(vertx, t0 + i * 1000L, 10 + i % 4);
    }
    await(trained.future());
    for (int i = 20; i < 25; i++) {
      publish(vertx, t0 + i * 1000L, 99);
    }
    await(incident.future());
    MultipartForm form =
        MultipartForm.create()
            .binaryFileUpload("file", "sample.csv", FIXTURE.toString(), "text/csv");
    assertThat(
            await(
                    WebClient.create(vertx)
                        .post(port, "127.0.0.1", "/api/upload-csv")
                        .sendMultipartForm(form))
                .statusCode())
        .isEqualTo(202);
    await(analysed.future());

    for (var entry : contract.entrySet()) {
      List<JsonObject> messages = seen.get(entry.getKey());
      assertThat(messages).as(entry.getKey()).isNotEmpty();
      for (JsonObject m : messages) {
        assertThat(entry.getValue().apply(m)).as(entry.getKey()).isEqualTo(m);
      }
    }
    assertThat(seen.get(Addresses.DASHBOARD_STATUS))
        .extracting(m -> m.getString("status"))
        .contains(DetectorStatus.LEARNING, DetectorStatus.ACTIVE);
    assertThat(seen.get(Addresses.INCIDENT))
        .extracting(m -> m.getString("change"))
        .contains(IncidentChange.OPENED);
  }

  private static void publish(Vertx vertx, long at, double cpu) {
    double[] values = {cpu, 2400, 40, 8.0, 1.0, 2.0, 0.5, 0.8};
    vertx
        .eventBus()
        .publish(Addresses.METRICS_SAMPLE, new MetricSample(at, "test-host", values).toJson());
  }
}
