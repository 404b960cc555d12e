package dev.mad.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentLogTest {
  @TempDir Path dir;

  private static JsonObject incident(long id, String reason) {
    return new JsonObject().put("id", id).put("reason", reason).put("severity", "high");
  }

  @Test
  @DisplayName("keeps the newest incidents up to the limit, newest last, updating in place by id")
  void boundedAndUpdatedInPlace() throws Exception {
    Path file = dir.resolve("anomalies.json");
    IncidentLog log = new IncidentLog(file, 3);
    for (long id = 1; id <= 5; id++) {
      log.upsert(incident(id, "r" + id));
    }
    log.upsert(incident(4, "r4 updated"));
    JsonArray stored = new JsonArray(Files.readString(file));
    assertThat(stored).hasSize(3);
    assertThat(stored.getJsonObject(0).getLong("id")).isEqualTo(3);
    assertThat(stored.getJsonObject(1).getString("reason")).isEqualTo("r4 updated");
    assertThat(stored.getJsonObject(2).getLong("id")).isEqualTo(5);
    assertThat(Files.exists(dir.resolve("anomalies.json.tmp"))).isFalse();
  }

  @Test
  @DisplayName(
      "reloads what it wrote after a restart, and sets an unreadable file aside instead of losing it")
  void restart() throws Exception {
    Path file = dir.resolve("anomalies.json");
    new IncidentLog(file, 10).upsert(incident(7, "kept"));
    IncidentLog reopened = new IncidentLog(file, 10);
    reopened.upsert(incident(8, "new"));
    assertThat(new JsonArray(Files.readString(file))).hasSize(2);

    Files.writeString(file, "[{\"id\": 1, \"reason\": \"cut sh");
    IncidentLog fresh = new IncidentLog(file, 10);
    fresh.upsert(incident(9, "after"));
    assertThat(new JsonArray(Files.readString(file))).hasSize(1);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("anomalies.unreadable-"));
    }
  }

  @Test
  @DisplayName(
      "an incident left open by the last run is closed at start, at the last sample that saw it,"
          + " with a note; closed ones are untouched")
  void closedAtRestart() throws Exception {
    Path file = dir.resolve("anomalies.json");
    IncidentLog log = new IncidentLog(file, 10);
    log.upsert(
        incident(1, "open")
            .put("started", "2026-12-03T10:00:00Z")
            .put("duration_s", 12.5)
            .putNull("ended"));
    log.upsert(
        incident(2, "done")
            .put("started", "2026-12-03T11:00:00Z")
            .put("duration_s", 3.0)
            .put("ended", "2026-12-03T11:00:03Z"));
    IncidentLog restarted = new IncidentLog(file, 10);
    assertThat(restarted.closeLeftOpen()).isEqualTo(1);
    JsonArray stored = new JsonArray(Files.readString(file));
    assertThat(stored.getJsonObject(0).getString("ended")).isEqualTo("2026-12-03T10:00:12.500Z");
    assertThat(stored.getJsonObject(0).getString("note")).contains("server stopped");
    assertThat(stored.getJsonObject(1).getString("ended")).isEqualTo("2026-12-03T11:00:03Z");
    assertThat(stored.getJsonObject(1).containsKey("note")).isFalse();
    assertThat(restarted.closeLeftOpen()).isZero();
  }
}
