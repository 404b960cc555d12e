package dev.mad.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notify verticle against a real HTTP webhook receiver on loopback that goes away and comes
 * back, with the verticle itself restarted in between.
 */
class NotifyVerticleTest {
  private static final String SECRET = "a-webhook-secret-of-some-length";
  private static final long T0 = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();

  @TempDir Path logs;
  private Vertx vertx;
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = new WebhookReceiver(vertx);
  }

  @AfterEach
  void stop() {
    receiver.close();
    vertx.close().await();
  }

  private JsonObject config(JsonArray maintenance) {
    return new JsonObject()
        .put("logs_dir", logs.toString())
        .put("default_dashboard_url", "http://127.0.0.1:5000/")
        .put(
            "webhooks",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("url", receiver.url("/hook"))
                        .put("secret", SECRET)
                        .put("name", "team")))
        .put("maintenance", maintenance)
        .put("retry_max_seconds", 1)
        .put("timeout_seconds", 2);
  }

  private String deploy(JsonObject config) {
    return vertx
        .deployVerticle(
            new NotifyVerticle(),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setConfig(config))
        .await();
  }

  static JsonObject change(String change, String host, long id, String severity) {
    boolean closed = change.equals(IncidentChange.CLOSED);
    return new IncidentChange(
            change,
            new IncidentChange.Report(
                id,
                Instant.ofEpochMilli(id + 2000).toString(),
                -0.7,
                Map.of("cpu_percent", 97.0),
                "High CPU usage detected",
                List.of("CPU: 97.0%"),
                severity,
                host,
                List.of(new IncidentChange.Detector("rule:cpu_critical", "cpu_percent", 97, 95)),
                Map.of("cpu_percent", 100.0),
                Map.of("cpu_percent", 10.0),
                Instant.ofEpochMilli(id).toString(),
                closed ? Instant.ofEpochMilli(id + 30_000).toString() : null,
                closed ? 30 : 5,
                closed ? 30 : 5))
        .toJson();
  }

  private void publish(JsonObject change) {
    vertx.eventBus().publish(Addresses.INCIDENT, change, Addresses.local());
  }

  private JsonObject health() {
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.health("notify"), new JsonObject(), Addresses.local())
        .await()
        .body();
  }

  private int pending() {
    return health().getJsonArray("receivers").getJsonObject(0).getInteger("pending");
  }

  private void awaitPending(int n) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (pending() != n) {
      if (System.nanoTime() > end) {
        throw new AssertionError("outbox never held " + n + ": " + health().encodePrettily());
      }
      Thread.sleep(50);
    }
  }

  /** Events of each incident in the order they arrived. */
  private static Map<String, List<String>> byIncident(List<WebhookReceiver.Received> got) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (WebhookReceiver.Received r : got) {
      JsonObject j = r.json();
      out.computeIfAbsent(
              j.getString("host") + "/" + j.getLong("incident_id"), k -> new ArrayList<>())
          .add(j.getString("event"));
    }
    return out;
  }

  @Test
  @DisplayName(
      "receiver down while 5 incidents open and close, notify restarted in between: every event"
          + " arrives once, in order per incident, signed")
  void outboxSurvivesADeadReceiverAndARestart() throws Exception {
    String first = deploy(config(new JsonArray()));
    for (int i = 0; i < 3; i++) {
      long id = T0 + i * 60_000L;
      publish(change("opened", "web-" + i, id, "medium"));
      publish(change("updated", "web-" + i, id, "medium")); // no news: not sent
      publish(change("updated", "web-" + i, id, "critical")); // escalated
      publish(change("closed", "web-" + i, id, "critical"));
    }
    awaitPending(9);
    assertThat(health().getString("problem")).as("failing for under a minute").isNull();
    assertThat(health().getJsonArray("receivers").getJsonObject(0).getString("last_error"))
        .as("the failure is shown")
        .contains("Connect");
    vertx.undeploy(first).await();

    deploy(config(new JsonArray()));
    for (int i = 3; i < 5; i++) {
      long id = T0 + i * 60_000L;
      publish(change("opened", "web-" + i, id, "high"));
      publish(change("closed", "web-" + i, id, "high"));
    }
    awaitPending(13);

    receiver.up();
    List<WebhookReceiver.Received> got =
        receiver.await(r -> r.size() >= 13, Duration.ofSeconds(30), "13 notifications");
    awaitPending(0);
    assertThat(got).hasSize(13);
    assertThat(got.stream().map(r -> r.json().getString("event_id")).distinct().count())
        .as("no event twice")
        .isEqualTo(13);
    Map<String, List<String>> events = byIncident(got);
    for (int i = 0; i < 3; i++) {
      assertThat(events.get("web-" + i + "/" + (T0 + i * 60_000L)))
          .containsExactly("opened", "escalated", "closed");
    }
    for (int i = 3; i < 5; i++) {
      assertThat(events.get("web-" + i + "/" + (T0 + i * 60_000L)))
          .containsExactly("opened", "closed");
    }
    for (WebhookReceiver.Received r : got) {
      assertThat(r.headers().getString("x-mad-signature-256"))
          .isEqualTo("sha256=" + Receiver.sign(SECRET, r.body().getBytes(StandardCharsets.UTF_8)));
      assertThat(r.headers().getString("x-mad-event-id")).isEqualTo(r.json().getString("event_id"));
      JsonObject doc = r.json();
      assertThat(doc.getInteger("schema_version")).isEqualTo(1);
      assertThat(doc.getString("dashboard_url"))
          .startsWith("http://127.0.0.1:5000/?host=" + doc.getString("host") + "&incident=");
      assertThat(doc.getJsonObject("incident").getString("reason"))
          .isEqualTo("High CPU usage detected");
    }
    JsonObject escalated =
        got.stream()
            .map(WebhookReceiver.Received::json)
            .filter(j -> j.getString("event").equals("escalated"))
            .findFirst()
            .orElseThrow();
    assertThat(escalated.getString("severity")).isEqualTo("critical");
  }

  @Test
  @DisplayName("a maintenance window holds back its host's notifications, not the others'")
  void maintenanceWindow() throws Exception {
    receiver.up();
    JsonArray windows =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("host", "db-1")
                    .put("start", Instant.now().minusSeconds(3600).toString())
                    .put("end", Instant.now().plusSeconds(3600).toString())
                    .put("comment", "kernel upgrade"));
    deploy(config(windows));
    publish(change("opened", "db-1", T0, "critical"));
    publish(change("closed", "db-1", T0, "critical"));
    publish(change("opened", "web-1", T0, "critical"));
    List<WebhookReceiver.Received> got =
        receiver.await(r -> !r.isEmpty(), Duration.ofSeconds(20), "web-1's opening");
    // delivery is in order: had db-1's been sent, it would have come first
    assertThat(got).extracting(r -> r.json().getString("host")).containsExactly("web-1");
    JsonObject list =
        vertx
            .eventBus()
            .<JsonObject>request(
                Addresses.NOTIFY_MUTES, new JsonObject().put("op", "list"), Addresses.local())
            .await()
            .body();
    assertThat(list.getJsonArray("maintenance").getJsonObject(0).getString("comment"))
        .isEqualTo("kernel upgrade");
  }

  @Test
  @DisplayName(
      "a silence on host + metric mutes that metric's incidents; a refused notice is dropped, not retried forever")
  void silenceAndRefusal() throws Exception {
    receiver.up();
    deploy(config(new JsonArray()));
    JsonObject silence =
        vertx
            .eventBus()
            .<JsonObject>request(
                Addresses.NOTIFY_MUTES,
                new JsonObject()
                    .put("op", "silence")
                    .put("host", "web-1")
                    .put("metric", "cpu_percent")
                    .put("until_ms", System.currentTimeMillis() + 3_600_000)
                    .put("by", "ann"),
                Addresses.local())
            .await()
            .body();
    assertThat(silence.getString("metric")).isEqualTo("cpu_percent");
    publish(change("opened", "web-1", T0, "critical"));
    receiver.status = 400;
    publish(change("opened", "web-2", T0, "critical"));
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (health().getJsonArray("receivers").getJsonObject(0).getLong("dropped") < 1) {
      assertThat(System.nanoTime()).as("the 400 is dropped").isLessThan(end);
      Thread.sleep(50);
    }
    receiver.status = 200;
    publish(change("opened", "web-3", T0, "critical"));
    List<WebhookReceiver.Received> got =
        receiver.await(r -> !r.isEmpty(), Duration.ofSeconds(20), "web-3's opening");
    assertThat(got).extracting(r -> r.json().getString("host")).containsExactly("web-3");
    assertThat(pending()).isZero();
    assertThat(got.stream().map(r -> r.json().getString("host")).collect(Collectors.toList()))
        .doesNotContain("web-1");
  }

  @Test
  @DisplayName(
      "Alertmanager gets the open incident with endsAt a few re-sends ahead, again every"
          + " resend_seconds, and its end when it closes")
  void alertmanagerResends() throws Exception {
    receiver.up();
    deploy(
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("alertmanager_urls", receiver.url(""))
            .put("resend_seconds", 10));
    long sent = System.currentTimeMillis();
    publish(change("opened", "web-1", T0, "high"));
    List<WebhookReceiver.Received> got =
        receiver.await(r -> r.size() >= 2, Duration.ofSeconds(25), "the alert and one re-send");
    for (WebhookReceiver.Received r : got) {
      assertThat(r.path()).isEqualTo("/api/v2/alerts");
      JsonObject alert = new JsonArray(r.body()).getJsonObject(0);
      assertThat(alert.getJsonObject("labels").getString("incident_id"))
          .isEqualTo(Long.toString(T0));
      long ends = Instant.parse(alert.getString("endsAt")).toEpochMilli();
      // set when sent, a moment before it is received (longer on a loaded machine)
      assertThat(ends - r.atMs()).as("four re-send periods ahead").isBetween(30_000L, 40_500L);
    }
    assertThat(got.get(1).atMs() - sent)
        .as("re-sent a period (10 s) after the start")
        .isBetween(8_000L, 16_000L);
    publish(change("closed", "web-1", T0, "high"));
    List<WebhookReceiver.Received> all =
        receiver.await(r -> r.size() >= 3, Duration.ofSeconds(10), "the close");
    JsonObject end = new JsonArray(all.get(2).body()).getJsonObject(0);
    assertThat(end.getString("endsAt")).isEqualTo(Instant.ofEpochMilli(T0 + 30_000).toString());
  }
}
