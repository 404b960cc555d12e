package dev.mad;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole server, deployed as the launcher does, on a free port. */
@ExtendWith(VertxExtension.class)
class ServerStartTest {

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("starts all four verticles, answers /api/status and the page, and records samples")
  void startsAndAnswers(Vertx vertx, @TempDir Path logs) throws Exception {
    int port = freePort();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("collect", new JsonObject().put("interval_ms", 200))
            .put("detect", new JsonObject().put("baseline_seconds", 20).put("window_seconds", 60))
            .put("http", new JsonObject().put("port", port));
    await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    // the web verticle's uptime counts from before this moment
    long upMs = System.currentTimeMillis();

    // the fourth scored sample at least, and one taken a second after the server was up
    AtomicInteger received = new AtomicInteger();
    Promise<JsonObject> aSecondIn = Promise.promise();
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.METRICS_SCORED,
            m -> {
              if (received.incrementAndGet() >= 4 && m.body().getLong("timestamp") >= upMs + 1000) {
                aSecondIn.tryComplete(m.body());
              }
            });
    JsonObject sample = await(aSecondIn.future());
    assertThat(sample.getBoolean("is_anomaly")).isNotNull();

    WebClient client = WebClient.create(vertx);
    HttpResponse<?> status = await(client.get(port, "127.0.0.1", "/api/status").send());
    assertThat(status.statusCode()).isEqualTo(200);
    JsonObject body = status.bodyAsJsonObject();
    assertThat(body.getString("status")).as("well inside the 20 s baseline").isEqualTo("learning");
    assertThat(body.getBoolean("is_trained")).isFalse();
    assertThat(body.getLong("data_points")).isGreaterThanOrEqualTo(4L);
    assertThat(body.getLong("uptime")).isGreaterThanOrEqualTo(1L);

    HttpResponse<?> page = await(client.get(port, "127.0.0.1", "/").send());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.bodyAsString()).contains("Metrics Anomaly Detector");

    HttpResponse<?> missing = await(client.get(port, "127.0.0.1", "/api/nope").send());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("error")).contains("/api/nope");

    // persist handles its messages in order: once it answers a request sent now, it has written the
    // samples detect published before the fourth one this test received
    await(vertx.eventBus().request(Addresses.health("persist"), new JsonObject()));
    List<String> rows = Files.readAllLines(logs.resolve("metrics_history.csv"));
    assertThat(rows.get(0)).startsWith("timestamp,cpu_percent");
    assertThat(rows.size() - 1).isGreaterThanOrEqualTo(3);
  }

  @Test
  @DisplayName("refuses to start on an invalid configuration, naming the key")
  void refusesBadConfig(Vertx vertx) {
    JsonObject config = new JsonObject().put("http", new JsonObject().put("port", "abc"));
    Throwable failure =
        vertx
            .deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config))
            .toCompletionStage()
            .toCompletableFuture()
            .handle((id, e) -> e)
            .join();
    assertThat(failure).isNotNull().hasMessageContaining("http.port");
  }
}
