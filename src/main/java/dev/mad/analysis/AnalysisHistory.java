package dev.mad.analysis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code anomaly_history.db}: every batch analysis with its flagged rows. The schema is created
 * on first use and versioned with {@code PRAGMA user_version}; each analysis is one transaction,
 * so a failed analysis leaves nothing behind. Blocking JDBC: call from worker threads only.
 */
public final class AnalysisHistory implements AutoCloseable {
  static final int SCHEMA_VERSION = 1;
  private static final String[] SCHEMA_V1 = {
      """
      CREATE TABLE IF NOT EXISTS analyses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        analysed_at TEXT NOT NULL,
        source TEXT NOT NULL,
        rows INTEGER NOT NULL,
        anomalies INTEGER NOT NULL,
        anomaly_rate REAL NOT NULL,
        severity_counts TEXT NOT NULL,
        features TEXT NOT NULL,
        settings TEXT NOT NULL,
        duration_ms INTEGER NOT NULL)""",
      """
      CREATE TABLE IF NOT EXISTS analysis_anomalies (
        analysis_id INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        row_index INTEGER NOT NULL,
        timestamp TEXT NOT NULL,
        anomaly_score REAL NOT NULL,
        severity TEXT NOT NULL,
        reason TEXT NOT NULL,
        severity_factors TEXT NOT NULL,
        contributions TEXT NOT NULL,
        PRIMARY KEY (analysis_id, row_index))""",
      """
      CREATE TABLE IF NOT EXISTS incidents (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,
        started TEXT NOT NULL,
        ended TEXT,
        severity TEXT NOT NULL,
        anomaly_score REAL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL)"""
  };

  private final Connection db;

  private AnalysisHistory(Connection db) {
    this.db = db;
  }

  public static AnalysisHistory open(Path file) throws SQLException {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement st = db.createStatement()) {
      st.execute("PRAGMA busy_timeout = 10000");
      st.execute("PRAGMA journal_mode = WAL");
      st.execute("PRAGMA foreign_keys = ON");
      int version;
      try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (version > SCHEMA_VERSION) {
        db.close();
        throw new SQLException(file + " was written by a newer version (schema " + version + ")");
      }
      if (version < 1) {
        db.setAutoCommit(false);
        for (String ddl : SCHEMA_V1) {
          st.execute(ddl);
        }
        st.execute("PRAGMA user_version = " + SCHEMA_VERSION);
        db.commit();
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      db.close();
      throw e;
    }
    return new AnalysisHistory(db);
  }

  /** An analysis being recorded: flagged rows are added as they are found, then {@link #finish}. */
  public final class Recording implements AutoCloseable {
    private final long id;
    private final PreparedStatement insertRow;
    private int batched;
    private boolean done;

    private Recording(long id) throws SQLException {
      this.id = id;
      this.insertRow = db.prepareStatement("INSERT INTO analysis_anomalies (analysis_id, row_index, timestamp, "
          + "anomaly_score, severity, reason, severity_factors, contributions) VALUES (?,?,?,?,?,?,?,?)");
    }

    public long id() {
      return id;
    }

    public void addFlagged(long rowIndex, String timestamp, double score, String severity, String reason,
                           String factorsJson, String contributions) throws SQLException {
      insertRow.setLong(1, id);
      insertRow.setLong(2, rowIndex);
      insertRow.setString(3, timestamp);
      insertRow.setDouble(4, Math.round(score * 10000) / 10000.0);
      insertRow.setString(5, severity);
      insertRow.setString(6, reason);
      insertRow.setString(7, factorsJson);
      insertRow.setString(8, contributions);
      insertRow.addBatch();
      if (++batched == 1000) {
        insertRow.executeBatch();
        batched = 0;
      }
    }

    public void finish(String sha256, long rows, long anomalies, String severityCountsJson, String featuresJson,
                       long durationMs) throws SQLException {
      if (batched > 0) {
        insertRow.executeBatch();
      }
      try (PreparedStatement up = db.prepareStatement("UPDATE analyses SET sha256 = ?, rows = ?, anomalies = ?, "
          + "anomaly_rate = ?, severity_counts = ?, features = ?, duration_ms = ? WHERE id = ?")) {
        up.setString(1, sha256);
        up.setLong(2, rows);
        up.setLong(3, anomalies);
        up.setDouble(4, rows == 0 ? 0 : (double) anomalies / rows);
        up.setString(5, severityCountsJson);
        up.setString(6, featuresJson);
        up.setLong(7, durationMs);
        up.setLong(8, id);
        up.executeUpdate();
      }
      db.commit();
      done = true;
    }

    /** Rolls back unless finished: a failed analysis leaves no trace. */
    @Override
    public void close() throws SQLException {
      try {
        insertRow.close();
        if (!done) {
          db.rollback();
        }
      } finally {
        db.setAutoCommit(true);
      }
    }
  }

  public Recording begin(String fileName, String source, String analysedAt, String settingsJson) throws SQLException {
    db.setAutoCommit(false);
    try (PreparedStatement ins = db.prepareStatement("INSERT INTO analyses (file_name, sha256, analysed_at, source, "
        + "rows, anomalies, anomaly_rate, severity_counts, features, settings, duration_ms) "
        + "VALUES (?, '', ?, ?, 0, 0, 0, '{}', '[]', ?, 0)", Statement.RETURN_GENERATED_KEYS)) {
      ins.setString(1, fileName);
      ins.setString(2, analysedAt);
      ins.setString(3, source);
      ins.setString(4, settingsJson);
      ins.executeUpdate();
      try (ResultSet keys = ins.getGeneratedKeys()) {
        keys.next();
        return new Recording(keys.getLong(1));
      }
    } catch (SQLException e) {
      db.rollback();
      db.setAutoCommit(true);
      throw e;
    }
  }

  /** Newest analyses first, as column maps. */
  public List<Map<String, Object>> analyses(int limit) throws SQLException {
    try (PreparedStatement st = db.prepareStatement("SELECT * FROM analyses ORDER BY id DESC LIMIT ?")) {
      st.setInt(1, limit);
      return rows(st);
    }
  }

  public Map<String, Object> analysis(long id) throws SQLException {
    try (PreparedStatement st = db.prepareStatement("SELECT * FROM analyses WHERE id = ?")) {
      st.setLong(1, id);
      List<Map<String, Object>> found = rows(st);
      return found.isEmpty() ? null : found.get(0);
    }
  }

  /** Flagged rows of one analysis, most urgent first. */
  public List<Map<String, Object>> flaggedRows(long analysisId, int limit) throws SQLException {
    try (PreparedStatement st = db.prepareStatement("SELECT row_index, timestamp, anomaly_score, severity, reason, "
        + "severity_factors, contributions FROM analysis_anomalies WHERE analysis_id = ? "
        + "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, anomaly_score LIMIT ?")) {
      st.setLong(1, analysisId);
      st.setInt(2, limit);
      return rows(st);
    }
  }

  private static List<Map<String, Object>> rows(PreparedStatement st) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (ResultSet rs = st.executeQuery()) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
          row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
        }
        out.add(row);
      }
    }
    return out;
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
