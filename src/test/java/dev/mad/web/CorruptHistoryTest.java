package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class CorruptHistoryTest {
  @TempDir Path logs;

  @Test
  @DisplayName(
      "a corrupt anomaly_history.db is set aside at start and /health names the kept file at once")
  void setAsideAtStart(Vertx vertx) throws Exception {
    Files.createDirectories(logs);
    Files.writeString(logs.resolve("anomaly_history.db"), "this is not SQLite at all");
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    JsonObject health =
        await(WebClient.create(vertx).get(port, "127.0.0.1", "/health").send()).bodyAsJsonObject();
    JsonArray checks = health.getJsonArray("checks");
    JsonObject analysis = null;
    for (int i = 0; i < checks.size(); i++) {
      if ("analysis".equals(checks.getJsonObject(i).getString("id"))) {
        analysis = checks.getJsonObject(i);
      }
    }
    assertThat(analysis).isNotNull();
    assertThat(analysis.getJsonObject("data").getString("history_set_aside"))
        .contains("anomaly_history.corrupt-");
    try (var files = Files.list(logs)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("anomaly_history.corrupt-"));
    }
  }
}
