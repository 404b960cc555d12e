package dev.mad.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.batch.BatchIncident;
import dev.mad.batch.Contributions;
import dev.mad.detect.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalysisHistoryTest {
  @TempDir Path dir;

  @Test
  @DisplayName(
      "a schema-1 history opens as schema 2 with nothing lost: contribution texts become objects")
  void migratesSchemaOne() throws Exception {
    Path file = dir.resolve("anomaly_history.db");
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = db.createStatement()) {
      st.execute(
          "CREATE TABLE analyses (id INTEGER PRIMARY KEY AUTOINCREMENT, file_name TEXT NOT NULL, "
              + "sha256 TEXT NOT NULL, analysed_at TEXT NOT NULL, source TEXT NOT NULL, rows INTEGER NOT NULL, "
              + "anomalies INTEGER NOT NULL, anomaly_rate REAL NOT NULL, severity_counts TEXT NOT NULL, "
              + "features TEXT NOT NULL, settings TEXT NOT NULL, duration_ms INTEGER NOT NULL)");
      st.execute(
          "CREATE TABLE analysis_anomalies (analysis_id INTEGER NOT NULL REFERENCES analyses(id) "
              + "ON DELETE CASCADE, row_index INTEGER NOT NULL, timestamp TEXT NOT NULL, anomaly_score REAL NOT NULL, "
              + "severity TEXT NOT NULL, reason TEXT NOT NULL, severity_factors TEXT NOT NULL, "
              + "contributions TEXT NOT NULL, PRIMARY KEY (analysis_id, row_index))");
      st.execute(
          "CREATE TABLE incidents (id INTEGER PRIMARY KEY, host TEXT NOT NULL, started TEXT NOT NULL, "
              + "ended TEXT, severity TEXT NOT NULL, anomaly_score REAL, reason TEXT NOT NULL, detail TEXT NOT NULL)");
      st.execute(
          "INSERT INTO analyses VALUES (1, 'old.csv', 'abc', '2026-01-01T00:00', 'cli', 10, 1, 0.1, "
              + "'{\"critical\":0,\"high\":1,\"medium\":0}', '[\"cpu_percent\",\"memory_percent\"]', '{}', 5)");
      st.execute(
          "INSERT INTO analysis_anomalies VALUES (1, 7, '2026-01-01 00:07:00', -0.71, 'high', "
              + "'High CPU usage detected', '[\"CPU: 97.0%\"]', 'cpu_percent=92.1;memory_percent=7.9')");
      st.execute("PRAGMA user_version = 1");
    }

    try (AnalysisHistory history = AnalysisHistory.open(file)) {
      assertThat(history.analysis(1))
          .containsEntry("file_name", "old.csv")
          .containsEntry("incidents", 0);
      List<Object[]> flagged = new ArrayList<>();
      history.eachFlagged(
          1,
          (row, severity, reason, factors, contributions) ->
              flagged.add(new Object[] {row, severity, reason, factors, contributions}));
      assertThat(flagged).hasSize(1);
      assertThat(flagged.get(0)[0]).isEqualTo(7L);
      assertThat(flagged.get(0)[3]).isEqualTo(List.of("CPU: 97.0%"));
      assertThat(((Contributions) flagged.get(0)[4]).json())
          .isEqualTo("{\"cpu_percent\":92.1,\"memory_percent\":7.9}");
    }
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'incidents'")) {
      assertThat(rs.next()).as("the never-written incidents table is gone").isFalse();
    }
  }

  @Test
  @DisplayName(
      "only the newest keep_analyses analyses stay, each with its flagged rows and incidents")
  void keepsTheNewest() throws Exception {
    Path file = dir.resolve("anomaly_history.db");
    try (AnalysisHistory history = AnalysisHistory.open(file)) {
      for (int i = 1; i <= 3; i++) {
        try (AnalysisHistory.Recording r =
            history.begin("f" + i + ".csv", "cli", "2026-01-0" + i, "{}")) {
          Contributions c =
              new Contributions(List.of(new Contributions.Share("cpu_percent", 100.0)));
          r.addFlagged(4, "t", -0.6, "high", "High CPU usage detected", "[\"CPU: 99.0%\"]", c);
          BatchIncident inc =
              new BatchIncident(
                  1,
                  4,
                  4,
                  "t",
                  "t",
                  4,
                  "t",
                  -0.6,
                  Severity.HIGH,
                  "High CPU usage detected",
                  List.of("CPU: 99.0%"),
                  c);
          r.finish("sha", 10, 1, "{}", "[\"cpu_percent\"]", 3, List.of(inc), 1, 2);
        }
      }
      assertThat(history.analyses(10))
          .extracting(a -> a.get("file_name"))
          .containsExactly("f3.csv", "f2.csv");
      assertThat(history.incidents(3))
          .singleElement()
          .satisfies(
              inc -> {
                assertThat(inc.reason()).isEqualTo("High CPU usage detected");
                assertThat(inc.contributions().shares())
                    .containsExactly(new Contributions.Share("cpu_percent", 100.0));
              });
      assertThat(history.incidents(1)).isEmpty();
      List<Long> rowsOfFirst = new ArrayList<>();
      history.eachFlagged(
          1, (row, severity, reason, factors, contributions) -> rowsOfFirst.add(row));
      assertThat(rowsOfFirst).as("the deleted analysis' rows went with it").isEmpty();
    }
  }

  @Test
  @DisplayName("a history SQLite cannot read is set aside, kept whole, and a new one starts")
  void corruptHistoryIsSetAside() throws Exception {
    Path file = dir.resolve("anomaly_history.db");
    byte[] garbage =
        "this is not a database, but it might be someone's data".repeat(100).getBytes();
    Files.write(file, garbage);
    try (AnalysisHistory history = AnalysisHistory.open(file)) {
      assertThat(history.analyses(10)).isEmpty();
    }
    assertThat(AnalysisHistory.setAside()).contains("anomaly_history.corrupt-");
    assertThat(Files.readAllBytes(Path.of(AnalysisHistory.setAside()))).isEqualTo(garbage);
    try (AnalysisHistory again = AnalysisHistory.open(file)) {
      assertThat(again.analyses(10)).as("the new history works").isEmpty();
    }
  }
}
