package dev.mad.persist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.analysis.AnalysisHistory;
import dev.mad.bus.IncidentChange;
import dev.mad.detect.Severity;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentStoreTest {
  private static final long T0 = 1_780_000_000_000L;

  @TempDir Path dir;

  private Path db() {
    return dir.resolve("anomaly_history.db");
  }

  private static IncidentChange change(
      String change, String host, long startMs, String severity, String ended) {
    var report =
        new IncidentChange.Report(
            startMs,
            Instant.ofEpochMilli(startMs + 3000).toString(),
            -0.71,
            Map.of("cpu_percent", 97.5, "memory_percent", 41.0),
            "CPU usage high (97.5% vs usual 12.0%)",
            List.of("cpu_percent very high"),
            severity,
            host,
            List.of(new IncidentChange.Detector("zscore", "cpu_percent", 9.1, 3.5)),
            Map.of("cpu_percent", 88.0, "memory_percent", 12.0),
            Map.of("cpu_percent", 12.0),
            Instant.ofEpochMilli(startMs).toString(),
            ended,
            ended == null ? 3 : 20,
            ended == null ? 4 : 21);
    return new IncidentChange(change, report);
  }

  private static IncidentStore.Query all() {
    return new IncidentStore.Query(null, null, null, null, null, null, 50, 0);
  }

  @Test
  @DisplayName(
      "one row per incident through opened, updated and closed, with every field a person reads")
  void oneRowPerIncident() throws Exception {
    try (IncidentStore store = IncidentStore.open(db(), 1000)) {
      store.record(change("opened", "web-1", T0, "medium", null));
      store.record(change("updated", "web-1", T0, "critical", null));
      JsonObject open = store.query(all()).getJsonArray("incidents").getJsonObject(0);
      assertThat(open.getString("state")).isEqualTo("open");
      assertThat(open.getString("severity")).as("escalated in place").isEqualTo("critical");
      store.record(
          change("closed", "web-1", T0, "critical", Instant.ofEpochMilli(T0 + 20_000).toString()));
      JsonObject page = store.query(all());
      assertThat(page.getLong("total")).isEqualTo(1);
      JsonObject row = page.getJsonArray("incidents").getJsonObject(0);
      assertThat(row.getString("host")).isEqualTo("web-1");
      assertThat(row.getLong("id")).isEqualTo(T0);
      assertThat(row.getString("state")).isEqualTo("closed");
      assertThat(row.getString("ended")).isEqualTo(Instant.ofEpochMilli(T0 + 20_000).toString());
      assertThat(row.getString("reason")).contains("CPU usage high");
      assertThat(row.getJsonArray("detectors").getJsonObject(0).getString("metric"))
          .isEqualTo("cpu_percent");
      assertThat(row.getJsonObject("contributions").getDouble("cpu_percent")).isEqualTo(88.0);
      assertThat(row.getJsonObject("expected").getDouble("cpu_percent")).isEqualTo(12.0);
      assertThat(row.getDouble("anomaly_score")).isEqualTo(-0.71);
      assertThat(row.getLong("samples")).isEqualTo(21);
      assertThat(row.getBoolean("false_alarm")).isFalse();
      assertThat(row.getString("acknowledged_by")).isNull();
    }
  }

  @Test
  @DisplayName("a later change keeps what people wrote on the incident (acknowledgement, comment)")
  void lifeSurvivesDetectionUpdates() throws Exception {
    try (IncidentStore store = IncidentStore.open(db(), 1000)) {
      store.record(change("opened", "web-1", T0, "high", null));
      try (var c = DriverManager.getConnection("jdbc:sqlite:" + db());
          var st = c.createStatement()) {
        st.executeUpdate(
            "UPDATE live_incidents SET acknowledged_by = 'ana', comment = 'deploy', false_alarm = 1");
      }
      store.record(change("updated", "web-1", T0, "critical", null));
      JsonObject row = store.query(all()).getJsonArray("incidents").getJsonObject(0);
      assertThat(row.getString("acknowledged_by")).isEqualTo("ana");
      assertThat(row.getString("comment")).isEqualTo("deploy");
      assertThat(row.getBoolean("false_alarm")).isTrue();
      assertThat(row.getString("severity")).isEqualTo("critical");
    }
  }

  @Test
  @DisplayName("filters by host, severity, state and start time, pages newest first")
  void filtersAndPages() throws Exception {
    try (IncidentStore store = IncidentStore.open(db(), 1000)) {
      for (int i = 0; i < 10; i++) {
        String host = i % 2 == 0 ? "web-1" : "db-1";
        String severity = i < 5 ? "medium" : "critical";
        long start = T0 + i * 60_000L;
        store.record(change("opened", host, start, severity, null));
        if (i % 3 == 0) {
          store.record(
              change("closed", host, start, severity, Instant.ofEpochMilli(start + 20).toString()));
        }
      }
      JsonObject page =
          store.query(new IncidentStore.Query(null, null, null, null, null, null, 4, 0));
      assertThat(page.getLong("total")).isEqualTo(10);
      assertThat(ids(page)).containsExactly(9L, 8L, 7L, 6L);
      assertThat(
              ids(store.query(new IncidentStore.Query(null, null, null, null, null, null, 4, 8))))
          .containsExactly(1L, 0L);
      assertThat(
              ids(
                  store.query(
                      new IncidentStore.Query("web-1", null, null, null, null, null, 50, 0))))
          .containsExactly(8L, 6L, 4L, 2L, 0L);
      assertThat(
              ids(
                  store.query(
                      new IncidentStore.Query(
                          null, "critical", "closed", null, null, null, 50, 0))))
          .containsExactly(9L, 6L);
      assertThat(
              ids(
                  store.query(
                      new IncidentStore.Query(
                          null, null, null, T0 + 2 * 60_000L, T0 + 5 * 60_000L, null, 50, 0))))
          .as("from inclusive, to exclusive")
          .containsExactly(4L, 3L, 2L);
    }
  }

  @Test
  @DisplayName(
      "a person's acknowledgement, resolution and false alarm are kept through later changes, and"
          + " a resolved incident stays closed")
  void lifeOfAnIncident() throws Exception {
    Instant at = Instant.ofEpochMilli(T0 + 60_000);
    try (IncidentStore store = IncidentStore.open(db(), 1000)) {
      store.record(change("opened", "web-1", T0, "medium", null));
      assertThat(store.work(new IncidentStore.Work("acknowledged", "web-2", T0, "ann", null), at))
          .as("no such incident")
          .isNull();
      JsonObject acked =
          store.work(new IncidentStore.Work("acknowledged", "web-1", T0, "ann", "looking"), at);
      assertThat(acked.getString("acknowledged_by")).isEqualTo("ann");
      assertThat(acked.getString("acknowledged_at")).isEqualTo(at.toString());
      assertThat(acked.getString("comment")).isEqualTo("looking");
      assertThat(acked.getString("state")).isEqualTo("open");

      JsonObject resolved =
          store.work(new IncidentStore.Work("resolved", "web-1", T0, "bob", null), at);
      assertThat(resolved.getString("state")).isEqualTo("closed");
      assertThat(resolved.getString("ended")).isEqualTo(at.toString());
      assertThat(resolved.getString("resolved_by")).isEqualTo("bob");
      assertThat(resolved.getString("acknowledged_by"))
          .as("first acknowledger kept")
          .isEqualTo("ann");
      assertThat(resolved.getString("comment"))
          .as("no comment keeps the last")
          .isEqualTo("looking");

      // an update detection sent before it learned of the resolution does not reopen it
      store.record(change("updated", "web-1", T0, "high", null));
      JsonObject after = store.get("web-1", T0);
      assertThat(after.getString("state")).isEqualTo("closed");
      assertThat(after.getString("severity")).isEqualTo("high");
      assertThat(after.getString("resolved_by")).isEqualTo("bob");

      store.record(change("opened", "web-1", T0 + 600_000, "medium", null));
      store.work(new IncidentStore.Work("false_alarm", "web-1", T0 + 600_000, "cy", "backup"), at);
      JsonObject page =
          store.query(new IncidentStore.Query(null, null, null, null, null, true, 50, 0));
      assertThat(ids(page)).as("minutes after T0").containsExactly(10L);
      JsonObject marked = page.getJsonArray("incidents").getJsonObject(0);
      assertThat(marked.getBoolean("false_alarm")).isTrue();
      assertThat(marked.getString("acknowledged_by")).isEqualTo("cy");
      assertThat(marked.getString("comment")).isEqualTo("backup");

      store.silenced("web-1", T0 + 600_000, "2030-01-01T00:00:00Z");
      assertThat(store.get("web-1", T0 + 600_000).getString("silenced_until"))
          .isEqualTo("2030-01-01T00:00:00Z");
    }
  }

  @Test
  @DisplayName("a table from before the resolved columns gets them, rows intact")
  void addsColumnsToAnOlderTable() throws Exception {
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + db());
        var st = c.createStatement()) {
      st.execute(
          "CREATE TABLE live_incidents (host TEXT NOT NULL, id INTEGER NOT NULL, started TEXT NOT"
              + " NULL, started_ms INTEGER NOT NULL, ended TEXT, peak TEXT NOT NULL, severity TEXT"
              + " NOT NULL, reason TEXT NOT NULL, severity_factors TEXT NOT NULL, detectors TEXT NOT"
              + " NULL, contributions TEXT NOT NULL, expected TEXT NOT NULL, metrics TEXT NOT NULL,"
              + " anomaly_score REAL, duration_s REAL NOT NULL, samples INTEGER NOT NULL, state TEXT"
              + " NOT NULL, acknowledged_by TEXT, acknowledged_at TEXT, comment TEXT, silenced_until"
              + " TEXT, false_alarm INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, PRIMARY KEY"
              + " (host, id))");
      st.execute(
          "INSERT INTO live_incidents VALUES ('old', 1, '2026-01-01T00:00:00Z', 1, NULL,"
              + " '2026-01-01T00:00:00Z', 'high', 'r', '[]', '[]', '{}', '{}', '{}', NULL, 1, 1,"
              + " 'open', NULL, NULL, NULL, NULL, 0, '2026-01-01T00:00:00Z')");
    }
    try (IncidentStore store = IncidentStore.open(db(), 1000)) {
      JsonObject r =
          store.work(new IncidentStore.Work("resolved", "old", 1, "ann", null), Instant.now());
      assertThat(r.getString("state")).isEqualTo("closed");
      assertThat(r.getString("resolved_by")).isEqualTo("ann");
      assertThat(r.getString("reason")).isEqualTo("r");
    }
  }

  @Test
  @DisplayName(
      "incidents left open by the last run are closed at their last change when the server starts")
  void closedAtRestart() throws Exception {
    try (IncidentStore store = IncidentStore.open(db(), 1000)) {
      store.record(change("opened", "web-1", T0, "high", null));
      store.record(change("opened", "web-2", T0, "high", null));
      store.record(
          change("closed", "web-2", T0, "high", Instant.ofEpochMilli(T0 + 20_000).toString()));
      assertThat(store.closeLeftOpen(Instant.now())).isEqualTo(1);
      JsonObject row = store.get("web-1", T0);
      assertThat(row.getString("state")).isEqualTo("closed");
      assertThat(row.getString("ended"))
          .as("the last sample that saw it: start + duration")
          .isEqualTo(Instant.ofEpochMilli(T0 + 3000).toString());
      assertThat(row.getString("comment")).contains("restart");
      assertThat(store.get("web-2", T0).getString("comment")).isNull();
      assertThat(store.closeLeftOpen(Instant.now())).isZero();
    }
  }

  private static List<Long> ids(JsonObject page) {
    return page.getJsonArray("incidents").stream()
        .map(o -> (((JsonObject) o).getLong("id") - T0) / 60_000L)
        .toList();
  }

  @Test
  @DisplayName("kept across a restart, and bounded: the oldest closed incidents go first")
  void restartAndBound() throws Exception {
    try (IncidentStore store = IncidentStore.open(db(), 100)) {
      store.record(change("opened", "old-open", T0, "high", null));
      for (int i = 1; i <= 150; i++) {
        long start = T0 + i * 60_000L;
        store.record(change("opened", "web-1", start, "high", null));
        store.record(
            change("closed", "web-1", start, "high", Instant.ofEpochMilli(start + 5).toString()));
      }
      store.trim();
    }
    try (IncidentStore reopened = IncidentStore.open(db(), 100)) {
      assertThat(reopened.count()).isEqualTo(100);
      JsonObject page =
          reopened.query(new IncidentStore.Query(null, null, null, null, null, null, 500, 0));
      assertThat(
              page.getJsonArray("incidents").stream().map(o -> ((JsonObject) o).getString("host")))
          .as("the open incident outlives closed ones that started later")
          .contains("old-open");
      assertThat(ids(page))
          .as("the newest closed ones are kept")
          .contains(150L, 52L)
          .doesNotContain(51L);
    }
  }

  @Test
  @DisplayName("shares anomaly_history.db with the batch analyses' tables without touching them")
  void sharesTheFileWithAnalysisHistory() throws Exception {
    // the store first on a new file: the analyses' schema migration that follows keeps its table
    try (IncidentStore store = IncidentStore.open(db(), 1000);
        AnalysisHistory history = AnalysisHistory.open(db())) {
      store.record(change("opened", "web-1", T0, "high", null));
      assertThat(history.analyses(10)).isEmpty();
    }
    try (IncidentStore store = IncidentStore.open(db(), 1000);
        AnalysisHistory history = AnalysisHistory.open(db())) {
      assertThat(store.count()).isEqualTo(1);
      assertThat(history.analyses(10)).isEmpty();
    }
  }

  @Test
  @DisplayName("the API's list of severities is detection's")
  void severitiesMatchDetection() {
    assertThat(IncidentChange.SEVERITIES)
        .containsExactlyElementsOf(Arrays.stream(Severity.values()).map(Severity::label).toList());
  }
}
