package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.MainVerticle;
import dev.mad.Operations;
import dev.mad.bus.Addresses;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /health, /metrics and the supervision that redeploys a vanished verticle. */
class OperationsTest {
  @TempDir Path logs;
  private Vertx vertx;
  private WebClient client;
  private int port;

  @BeforeEach
  void start() throws Exception {
    // the product's meters live in Micrometer's JVM-wide registry: forget what earlier tests'
    // uploads counted
    Metrics.globalRegistry
        .find("mad.batch.rows.analysed")
        .meters()
        .forEach(Metrics.globalRegistry::remove);
    vertx = Operations.metricsEnabled(new VertxOptions()).build();
    port = ServerFixture.freePort();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("collect", new JsonObject().put("interval_ms", 200))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", new JsonObject().put("port", port));
    await(vertx.deployVerticle(new MainVerticle(300), new DeploymentOptions().setConfig(config)));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(port, "127.0.0.1", path).send());
  }

  /** Waits until {@code count} messages have been published on {@code address} from now on. */
  private void awaitMessages(String address, int count) throws Exception {
    Promise<Void> enough = Promise.promise();
    int[] seen = {0};
    var consumer =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                address,
                m -> {
                  if (++seen[0] >= count) {
                    enough.tryComplete();
                  }
                });
    await(consumer.completion());
    await(enough.future());
    await(consumer.unregister());
  }

  @Test
  @DisplayName("/health reports every verticle UP and the model's state")
  void health() throws Exception {
    awaitMessages(Addresses.METRICS_SCORED, 1);
    HttpResponse<Buffer> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    JsonObject body = health.bodyAsJsonObject();
    assertThat(body.getString("outcome")).isEqualTo("UP");
    assertThat(body.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .containsExactlyInAnyOrder("persist", "notify", "analysis", "detect", "collect", "web");
    JsonObject detect =
        body.getJsonArray("checks").stream()
            .map(JsonObject.class::cast)
            .filter(c -> c.getString("id").equals("detect"))
            .findFirst()
            .orElseThrow();
    assertThat(detect.getJsonObject("data").getString("status")).isEqualTo("learning");
  }

  @Test
  @DisplayName("/metrics serves Prometheus text with Vert.x, JVM and the product's own meters")
  void prometheus() throws Exception {
    awaitMessages(Addresses.METRICS_SCORED, 2);
    get("/api/status");
    HttpResponse<Buffer> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    String text = metrics.bodyAsString();
    assertThat(text)
        .contains("mad_samples_collected_total{host=")
        .contains("mad_anomaly_score{host=")
        .contains("mad_incidents_opened_total")
        .contains("mad_model_age_seconds")
        .contains("mad_batch_rows_analysed_total{source=\"upload\"} 0.0")
        .contains("jvm_memory_used_bytes")
        .contains("vertx_http_server_requests_total");
    assertThat(
            text.lines()
                .filter(l -> l.startsWith("mad_samples_collected_total"))
                .findFirst()
                .orElseThrow())
        .doesNotEndWith(" 0.0");
  }

  @Test
  @DisplayName("a verticle that disappears is redeployed and the process keeps serving")
  void redeploysVanishedVerticle() throws Exception {
    String before =
        await(vertx.eventBus().<JsonObject>request(Addresses.health("collect"), new JsonObject()))
            .body()
            .getString("deployment_id");
    await(vertx.undeploy(before));
    // the supervisor notices within three health checks and redeploys it: samples flow again
    awaitMessages(Addresses.METRICS_SAMPLE, 1);
    String after =
        await(vertx.eventBus().<JsonObject>request(Addresses.health("collect"), new JsonObject()))
            .body()
            .getString("deployment_id");
    assertThat(after).isNotEqualTo(before);
    assertThat(get("/api/status").statusCode()).isEqualTo(200);
  }
}
