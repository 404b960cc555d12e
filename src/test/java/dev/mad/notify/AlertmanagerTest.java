package dev.mad.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.MainVerticle;
import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through a real Prometheus Alertmanager (Debian's {@code prometheus-alertmanager},
 * started here on loopback with its gossip port off): the real detector opens an incident, the
 * server posts it to Alertmanager, Alertmanager routes it to a webhook receiver of this test; when
 * the incident closes, the resolution follows the same way.
 */
class AlertmanagerTest {
  static final Path ALERTMANAGER = Path.of("/usr/bin/prometheus-alertmanager");
  static final Path AMTOOL = Path.of("/usr/bin/amtool");

  @TempDir Path dir;
  private Vertx vertx;
  private WebhookReceiver receiver;
  private Process alertmanager;
  private long firstSampleMs;

  @BeforeEach
  void start() throws Exception {
    assertThat(ALERTMANAGER)
        .as("Debian's prometheus-alertmanager must be installed (.ci/run installs it)")
        .isExecutable();
    vertx = Vertx.vertx();
    receiver = new WebhookReceiver(vertx).up();
  }

  @AfterEach
  void stop() throws Exception {
    if (alertmanager != null) {
      alertmanager.destroy();
      if (!alertmanager.waitFor(10, TimeUnit.SECONDS)) {
        alertmanager.destroyForcibly();
      }
    }
    receiver.close();
    vertx.close().await();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts Alertmanager on loopback, routing everything to the receiver at once; returns its URL. */
  private String startAlertmanager() throws Exception {
    int port = freePort();
    Path config = dir.resolve("alertmanager.yml");
    Files.writeString(
        config,
        """
        route:
          receiver: test
          group_by: [alertname, host, incident_id]
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: test
            webhook_configs:
              - url: %s
                send_resolved: true
        """
            .formatted(receiver.url("/alertmanager")));
    Path log = dir.resolve("alertmanager.log");
    alertmanager =
        new ProcessBuilder(
                ALERTMANAGER.toString(),
                "--config.file=" + config,
                "--storage.path=" + dir.resolve("am-data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    String url = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newHttpClient();
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return url;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > end || !alertmanager.isAlive()) {
        throw new AssertionError("Alertmanager did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  static <T> T within(io.vertx.core.Future<T> f, String what) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after 30 s waiting for " + what);
    }
  }

  private void publish(int i, double cpu) {
    double[] v = {cpu, 2400, 40 + 0.2 * (i % 3), 8, 1 + 0.1 * (i % 4), 2, 0.5, 0.8};
    if (cpu < 50) {
      v[0] = cpu + i % 4;
    }
    vertx
        .eventBus()
        .publish(
            Addresses.METRICS_SAMPLE,
            new MetricSample(firstSampleMs + i * 1000L, "am-host", v).toJson());
  }

  @Test
  @DisplayName(
      "an incident reaches a webhook behind a real Alertmanager with its labels and link, and its"
          + " close arrives as resolved")
  void incidentThroughAlertmanager() throws Exception {
    String am = startAlertmanager();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", dir.resolve("logs").toString())
            .put("collect", new JsonObject().put("interval_ms", 3_600_000))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", new JsonObject().put("port", freePort()))
            .put(
                "notify",
                new JsonObject()
                    .put("alertmanager_urls", am)
                    .put("dashboard_url", "http://mad.example:5000/"));
    vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)).await();

    Promise<Void> trained = Promise.promise();
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.DASHBOARD_STATUS,
            m -> {
              if (m.body().getBoolean("is_trained", false)) {
                trained.tryComplete();
              }
            })
        .completion()
        .await();
    Promise<JsonObject> opened = Promise.promise();
    Promise<JsonObject> closed = Promise.promise();
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.INCIDENT,
            m -> {
              String change = m.body().getString("change");
              JsonObject in = m.body().getJsonObject("incident");
              if (change.equals("opened")) {
                opened.tryComplete(in);
              } else if (change.equals("closed")) {
                closed.tryComplete(in);
              }
            })
        .completion()
        .await();
    firstSampleMs = System.currentTimeMillis() - 60_000;
    int i = 0;
    for (; i < 20; i++) {
      publish(i, 10);
    }
    within(trained.future(), "the model");
    for (int b = 0; b < 5; b++, i++) {
      publish(i, 99);
    }
    JsonObject incident = within(opened.future(), "the incident");

    List<WebhookReceiver.Received> got =
        receiver.await(r -> !r.isEmpty(), Duration.ofSeconds(30), "the firing alert");
    JsonObject firing = got.get(0).json();
    assertThat(firing.getString("status")).isEqualTo("firing");
    JsonObject alert = firing.getJsonArray("alerts").getJsonObject(0);
    JsonObject labels = alert.getJsonObject("labels");
    assertThat(labels.getString("alertname")).isEqualTo("MetricsAnomaly");
    assertThat(labels.getString("host")).isEqualTo("am-host");
    assertThat(labels.getString("severity")).isEqualTo("critical");
    assertThat(labels.getString("metric")).isEqualTo("cpu_percent");
    assertThat(labels.getString("incident_id")).isEqualTo(Long.toString(incident.getLong("id")));
    assertThat(alert.getJsonObject("annotations").getString("summary"))
        .contains("High CPU usage detected");
    assertThat(alert.getJsonObject("annotations").getString("factors")).contains("CPU");
    assertThat(alert.getString("generatorURL"))
        .isEqualTo("http://mad.example:5000/?host=am-host&incident=" + incident.getLong("id"));
    assertThat(Instant.parse(alert.getString("startsAt")))
        .isEqualTo(Instant.parse(incident.getString("started")));

    // quiet samples until the alarm filter closes the incident
    for (int q = 0; q < 40 && !closed.future().isComplete(); q++, i++) {
      publish(i, 10);
      Thread.sleep(20);
    }
    JsonObject ended = within(closed.future(), "the incident's close");
    List<WebhookReceiver.Received> all =
        receiver.await(
            r -> r.stream().anyMatch(x -> x.json().getString("status").equals("resolved")),
            Duration.ofSeconds(30),
            "the resolution");
    JsonObject resolved =
        all.stream()
            .map(WebhookReceiver.Received::json)
            .filter(j -> j.getString("status").equals("resolved"))
            .findFirst()
            .orElseThrow()
            .getJsonArray("alerts")
            .getJsonObject(0);
    assertThat(resolved.getJsonObject("labels").getString("incident_id"))
        .isEqualTo(labels.getString("incident_id"));
    assertThat(Instant.parse(resolved.getString("endsAt")))
        .as("endsAt is when the incident ended")
        .isEqualTo(Instant.parse(ended.getString("ended")));
  }

  @Test
  @DisplayName("the README's example Alertmanager configuration is valid")
  void exampleConfigIsValid() throws Exception {
    Process check =
        new ProcessBuilder(AMTOOL.toString(), "check-config", "conf/alertmanager/alertmanager.yml")
            .redirectErrorStream(true)
            .start();
    String out = new String(check.getInputStream().readAllBytes());
    assertThat(check.waitFor()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
  }
}
