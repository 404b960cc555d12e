package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The routes that work incidents, silences and maintenance windows, with a token set. */
@ExtendWith(VertxExtension.class)
class IncidentRoutesTest {
  private static final String TOKEN = "correct-horse-battery-staple";
  private static final long ID = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();

  private static final List<String> POSTS =
      List.of(
          "/api/incidents/acknowledge",
          "/api/incidents/resolve",
          "/api/incidents/false-alarm",
          "/api/silences",
          "/api/maintenance");

  @TempDir Path logs;
  private Vertx vertx;
  private WebClient client;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    port = ServerFixture.start(vertx, logs, new JsonObject().put("auth_token", TOKEN));
    client = WebClient.create(vertx);
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.request(method, port, "127.0.0.1", path);
  }

  private HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return await(
        request(HttpMethod.POST, path)
            .putHeader("Authorization", "Bearer " + TOKEN)
            .sendJsonObject(body));
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(
        request(HttpMethod.GET, path).putHeader("Authorization", "Bearer " + TOKEN).send());
  }

  private static JsonObject work(String host, long id) {
    return new JsonObject().put("host", host).put("id", id).put("by", "ann");
  }

  @Test
  @DisplayName(
      "every new POST and DELETE refuses a request without the token, a cross-site request and a"
          + " form post")
  void refusals() throws Exception {
    for (String path : POSTS) {
      HttpResponse<Buffer> anonymous =
          await(request(HttpMethod.POST, path).sendJsonObject(work("web-1", ID)));
      assertThat(anonymous.statusCode()).as(path + " without token").isEqualTo(401);

      HttpResponse<Buffer> crossSite =
          await(
              request(HttpMethod.POST, path)
                  .putHeader("Authorization", "Bearer " + TOKEN)
                  .putHeader("Origin", "https://evil.example")
                  .sendJsonObject(work("web-1", ID)));
      assertThat(crossSite.statusCode()).as(path + " from another site").isEqualTo(403);
      assertThat(crossSite.bodyAsJsonObject().getString("error")).contains("another site");

      // what an HTML form on another page can send: a urlencoded body, with the session cookie
      HttpResponse<Buffer> form =
          await(
              request(HttpMethod.POST, path)
                  .putHeader("Authorization", "Bearer " + TOKEN)
                  .putHeader("Content-Type", "application/x-www-form-urlencoded")
                  .sendBuffer(Buffer.buffer("host=web-1&id=" + ID)));
      assertThat(form.statusCode()).as(path + " as a form").isEqualTo(415);
      assertThat(form.bodyAsJsonObject().getString("error")).contains("application/json");
    }
    for (String path : List.of("/api/silences/1", "/api/maintenance/1")) {
      assertThat(await(request(HttpMethod.DELETE, path).send()).statusCode()).isEqualTo(401);
      assertThat(
              await(
                      request(HttpMethod.DELETE, path)
                          .putHeader("Authorization", "Bearer " + TOKEN)
                          .putHeader("Origin", "https://evil.example")
                          .send())
                  .statusCode())
          .isEqualTo(403);
    }
  }

  @Test
  @DisplayName("out-of-range or malformed fields get 400 with a JSON error naming the field")
  void badInput() throws Exception {
    Map<String, JsonObject> bad =
        Map.ofEntries(
            Map.entry("/api/incidents/acknowledge#host", new JsonObject().put("id", ID)),
            Map.entry(
                "/api/incidents/acknowledge#id", new JsonObject().put("host", "a").put("id", -1)),
            Map.entry(
                "/api/incidents/resolve#id", new JsonObject().put("host", "a").put("id", "twelve")),
            Map.entry(
                "/api/incidents/false-alarm#comment",
                work("a", ID).put("comment", "x".repeat(2001))),
            Map.entry("/api/incidents/acknowledge#by", work("a", ID).put("by", "y".repeat(101))),
            Map.entry(
                "/api/silences#duration_s", new JsonObject().put("host", "a").put("duration_s", 5)),
            Map.entry(
                "/api/silences#metric",
                new JsonObject()
                    .put("host", "a")
                    .put("metric", "temperature")
                    .put("duration_s", 3600)),
            Map.entry(
                "/api/silences#host",
                new JsonObject().put("host", "h".repeat(301)).put("duration_s", 3600)),
            Map.entry(
                "/api/maintenance#end", new JsonObject().put("host", "*").put("end", "tomorrow")),
            Map.entry(
                "/api/maintenance#duration_s",
                new JsonObject().put("host", "*").put("duration_s", 400L * 86_400)),
            Map.entry(
                "/api/maintenance#'end'",
                new JsonObject()
                    .put("host", "*")
                    .put("end", "2030-01-01T00:00:00Z")
                    .put("duration_s", 3600)));
    for (var e : bad.entrySet()) {
      String path = e.getKey().substring(0, e.getKey().indexOf('#'));
      String field = e.getKey().substring(e.getKey().indexOf('#') + 1);
      HttpResponse<Buffer> r = post(path, e.getValue());
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error"))
          .as(e.getKey())
          .contains(field.replace("#", ""));
    }
    HttpResponse<Buffer> notJson =
        await(
            request(HttpMethod.POST, "/api/silences")
                .putHeader("Authorization", "Bearer " + TOKEN)
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer("[1, 2")));
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.bodyAsJsonObject().getString("error")).contains("JSON object");
    HttpResponse<Buffer> big =
        post("/api/silences", new JsonObject().put("host", "a").put("pad", "z".repeat(20_000)));
    assertThat(big.statusCode()).as("over 16 KB").isEqualTo(413);
    assertThat(get("/api/incidents?false_alarm=maybe").statusCode()).isEqualTo(400);
    assertThat(
            await(
                    request(HttpMethod.DELETE, "/api/silences/x")
                        .putHeader("Authorization", "Bearer " + TOKEN)
                        .send())
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  @DisplayName(
      "acknowledge, false alarm and resolve are recorded; silences and windows are made, listed and removed")
  void working() throws Exception {
    var report =
        new IncidentChange.Report(
            ID,
            Instant.ofEpochMilli(ID + 2000).toString(),
            -0.7,
            Map.of("cpu_percent", 97.0),
            "High CPU usage detected",
            List.of("CPU: 97.0%"),
            "critical",
            "web-1",
            List.of(new IncidentChange.Detector("rule:cpu_critical", "cpu_percent", 97, 95)),
            Map.of("cpu_percent", 100.0),
            Map.of("cpu_percent", 10.0),
            Instant.ofEpochMilli(ID).toString(),
            null,
            2,
            3);
    JsonObject opened = new IncidentChange("opened", report).toJson();
    vertx.eventBus().publish(Addresses.INCIDENT, opened, Addresses.local());
    long end = System.nanoTime() + 10_000_000_000L;
    while (get("/api/incidents?host=web-1").bodyAsJsonObject().getLong("total") == 0) {
      assertThat(System.nanoTime()).as("the incident is recorded").isLessThan(end);
      Thread.sleep(50);
    }
    HttpResponse<Buffer> missing = post("/api/incidents/acknowledge", work("web-1", ID + 1));
    assertThat(missing.statusCode()).isEqualTo(404);

    JsonObject acked =
        post("/api/incidents/acknowledge", work("web-1", ID).put("comment", "on it"))
            .bodyAsJsonObject();
    assertThat(acked.getString("acknowledged_by")).isEqualTo("ann");
    assertThat(acked.getString("comment")).isEqualTo("on it");
    JsonObject marked = post("/api/incidents/false-alarm", work("web-1", ID)).bodyAsJsonObject();
    assertThat(marked.getBoolean("false_alarm")).isTrue();
    JsonObject resolved = post("/api/incidents/resolve", work("web-1", ID)).bodyAsJsonObject();
    assertThat(resolved.getString("state")).isEqualTo("closed");
    assertThat(resolved.getString("resolved_by")).isEqualTo("ann");
    JsonObject page = get("/api/incidents?false_alarm=true").bodyAsJsonObject();
    assertThat(page.getLong("total")).isEqualTo(1);

    HttpResponse<Buffer> silence =
        post(
            "/api/silences",
            new JsonObject()
                .put("host", "web-1")
                .put("metric", "cpu_percent")
                .put("duration_s", 3600)
                .put("incident_id", ID));
    assertThat(silence.statusCode()).isEqualTo(201);
    long silenceId = silence.bodyAsJsonObject().getLong("id");
    assertThat(get("/api/silences").bodyAsJsonObject().getJsonArray("silences")).hasSize(1);
    HttpResponse<Buffer> window =
        post(
            "/api/maintenance",
            new JsonObject().put("host", "*").put("duration_s", 600).put("comment", "upgrade"));
    assertThat(window.statusCode()).isEqualTo(201);
    long windowId = window.bodyAsJsonObject().getLong("id");
    JsonObject windows = get("/api/maintenance").bodyAsJsonObject();
    assertThat(windows.getJsonArray("maintenance").getJsonObject(0).getString("source"))
        .isEqualTo("api");

    for (String path : List.of("/api/silences/" + silenceId, "/api/maintenance/" + windowId)) {
      HttpRequest<Buffer> delete =
          request(HttpMethod.DELETE, path).putHeader("Authorization", "Bearer " + TOKEN);
      assertThat(await(delete.send()).statusCode()).isEqualTo(200);
      assertThat(await(delete.send()).statusCode()).as("gone").isEqualTo(404);
    }
    assertThat(get("/api/notifications").bodyAsJsonObject().getJsonArray("receivers")).isEmpty();
  }
}
