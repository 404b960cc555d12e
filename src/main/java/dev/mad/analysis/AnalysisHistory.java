package dev.mad.analysis;

import dev.mad.batch.BatchIncident;
import dev.mad.batch.BatchIncidents;
import dev.mad.batch.Contributions;
import dev.mad.batch.ResultJson;
import dev.mad.detect.Severity;
import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code anomaly_history.db}: the newest batch analyses (a configurable number) with their flagged rows
 * and incidents. The schema is created
 * on first use and versioned with {@code PRAGMA user_version}; each analysis is one transaction,
 * so a failed analysis leaves nothing behind. Blocking JDBC: call from worker threads only.
 */
public final class AnalysisHistory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AnalysisHistory.class);
  static final int SCHEMA_VERSION = 2;
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
        PRIMARY KEY (analysis_id, row_index))"""
  };

  /**
   * Schema 2: each analysis' incidents; contributions stored as JSON objects (1 had text, converted by
   * {@link #migrateToV2}); schema 1's {@code incidents} table, which nothing ever wrote, dropped.
   */
  private static final String[] SCHEMA_V2 = {
    """
      CREATE TABLE IF NOT EXISTS analysis_incidents (
        analysis_id INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        id INTEGER NOT NULL,
        first_row INTEGER NOT NULL,
        last_row INTEGER NOT NULL,
        started TEXT NOT NULL,
        ended TEXT NOT NULL,
        peak_row INTEGER NOT NULL,
        peak TEXT NOT NULL,
        peak_score REAL NOT NULL,
        severity TEXT NOT NULL,
        reason TEXT NOT NULL,
        severity_factors TEXT NOT NULL,
        contributions TEXT NOT NULL,
        PRIMARY KEY (analysis_id, id))""",
    "ALTER TABLE analyses ADD COLUMN incidents INTEGER NOT NULL DEFAULT 0",
    "DROP TABLE IF EXISTS incidents"
  };

  private final Connection db;

  private AnalysisHistory(Connection db) {
    this.db = db;
  }

  /**
   * Opens (creating or migrating) the history. A file SQLite cannot read (not a database, or its
   * header damaged) is set aside as {@code anomaly_history.corrupt-TIME.db}, with its journal files,
   * and a new history is started, as {@code anomalies.json} is; {@link #setAside()} says so.
   */
  public static AnalysisHistory open(Path file) throws SQLException {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new SQLException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
    }
    try {
      return openOrMigrate(file);
    } catch (SQLException e) {
      if (!unreadable(e) || !Files.exists(file)) {
        throw e;
      }
      Path aside =
          file.resolveSibling(
              file.getFileName().toString().replace(".db", "")
                  + ".corrupt-"
                  + System.currentTimeMillis()
                  + ".db");
      try {
        Files.move(file, aside);
        for (String journal : new String[] {"-wal", "-shm", "-journal"}) {
          Path j = file.resolveSibling(file.getFileName() + journal);
          if (Files.exists(j)) {
            Files.move(j, aside.resolveSibling(aside.getFileName() + journal));
          }
        }
      } catch (IOException io) {
        throw new SQLException(
            file + " cannot be read (" + e.getMessage() + ") nor set aside: " + io, e);
      }
      LOG.error(
          "{} cannot be read ({}); kept as {} and a new history started",
          file,
          e.getMessage(),
          aside);
      SET_ASIDE.set(aside.toString());
      return openOrMigrate(file);
    }
  }

  /** The last history file set aside because it could not be read, or null. */
  public static String setAside() {
    return SET_ASIDE.get();
  }

  private static final AtomicReference<String> SET_ASIDE = new AtomicReference<>();

  /** SQLITE_CORRUPT (11) or SQLITE_NOTADB (26), however the driver words it. */
  private static boolean unreadable(SQLException e) {
    String m = String.valueOf(e.getMessage());
    return e.getErrorCode() == 11
        || e.getErrorCode() == 26
        || m.contains("SQLITE_NOTADB")
        || m.contains("SQLITE_CORRUPT")
        || m.contains("not a database")
        || m.contains("malformed");
  }

  private static AnalysisHistory openOrMigrate(Path file) throws SQLException {
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
      if (version < SCHEMA_VERSION) {
        db.setAutoCommit(false);
        if (version < 1) {
          for (String ddl : SCHEMA_V1) {
            st.execute(ddl);
          }
        }
        for (String ddl : SCHEMA_V2) {
          st.execute(ddl);
        }
        if (version == 1) {
          migrateToV2(db);
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

  /** Rewrites schema 1's contribution texts ({@code a=1.0;b=2.0}) as JSON objects, in the open transaction. */
  private static void migrateToV2(Connection db) throws SQLException {
    try (PreparedStatement read =
            db.prepareStatement(
                "SELECT analysis_id, row_index, contributions FROM analysis_anomalies WHERE contributions NOT LIKE '{%'");
        PreparedStatement write =
            db.prepareStatement(
                "UPDATE analysis_anomalies SET contributions = ? WHERE analysis_id = ? AND row_index = ?");
        ResultSet rs = read.executeQuery()) {
      int batched = 0;
      while (rs.next()) {
        write.setString(1, Contributions.parseText(rs.getString(3)).json());
        write.setLong(2, rs.getLong(1));
        write.setLong(3, rs.getLong(2));
        write.addBatch();
        if (++batched % 1000 == 0) {
          write.executeBatch();
        }
      }
      write.executeBatch();
    }
  }

  /** An analysis being recorded: flagged rows are added as they are found, then {@link #finish}. */
  public final class Recording implements AutoCloseable {
    private final long id;
    private final PreparedStatement insertRow;
    private int batched;
    private boolean done;

    private Recording(long id) throws SQLException {
      this.id = id;
      this.insertRow =
          db.prepareStatement(
              "INSERT INTO analysis_anomalies (analysis_id, row_index, timestamp, "
                  + "anomaly_score, severity, reason, severity_factors, contributions) VALUES (?,?,?,?,?,?,?,?)");
    }

    public long id() {
      return id;
    }

    /** Adds one flagged row ({@code factorsJson} a JSON array of texts). */
    public void addFlagged(
        long rowIndex,
        String timestamp,
        double score,
        String severity,
        String reason,
        String factorsJson,
        Contributions contributions)
        throws SQLException {
      insertRow.setLong(1, id);
      insertRow.setLong(2, rowIndex);
      insertRow.setString(3, timestamp);
      insertRow.setDouble(4, ResultJson.score4(score));
      insertRow.setString(5, severity);
      insertRow.setString(6, reason);
      insertRow.setString(7, factorsJson);
      insertRow.setString(8, contributions.json());
      insertRow.addBatch();
      if (++batched == 1000) {
        insertRow.executeBatch();
        batched = 0;
      }
    }

    /**
     * Completes the analysis with its totals ({@code incidentCount} incidents found) and the incidents kept ({@link BatchIncidents#KEPT} at most),
     * then keeps only the newest {@code keepAnalyses} analyses (older ones go with their rows and incidents).
     */
    public void finish(
        String sha256,
        long rows,
        long anomalies,
        String severityCountsJson,
        String featuresJson,
        long durationMs,
        List<BatchIncident> incidents,
        long incidentCount,
        int keepAnalyses)
        throws SQLException {
      if (batched > 0) {
        insertRow.executeBatch();
      }
      try (PreparedStatement ins =
          db.prepareStatement(
              "INSERT INTO analysis_incidents (analysis_id, id, first_row, "
                  + "last_row, started, ended, peak_row, peak, peak_score, severity, reason, severity_factors, contributions) "
                  + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        for (BatchIncident inc : incidents) {
          ins.setLong(1, id);
          ins.setLong(2, inc.id());
          ins.setLong(3, inc.firstRow());
          ins.setLong(4, inc.lastRow());
          ins.setString(5, inc.started());
          ins.setString(6, inc.ended());
          ins.setLong(7, inc.peakRow());
          ins.setString(8, inc.peakTimestamp());
          ins.setDouble(9, ResultJson.score4(inc.peakScore()));
          ins.setString(10, inc.severity().label());
          ins.setString(11, inc.reason());
          ins.setString(12, ResultJson.text(g -> ResultJson.strings(g, inc.severityFactors())));
          ins.setString(13, inc.contributions().json());
          ins.addBatch();
        }
        ins.executeBatch();
      }
      try (PreparedStatement up =
          db.prepareStatement(
              "UPDATE analyses SET sha256 = ?, rows = ?, anomalies = ?, "
                  + "anomaly_rate = ?, severity_counts = ?, features = ?, duration_ms = ?, incidents = ? WHERE id = ?")) {
        up.setString(1, sha256);
        up.setLong(2, rows);
        up.setLong(3, anomalies);
        up.setDouble(4, rows == 0 ? 0 : (double) anomalies / rows);
        up.setString(5, severityCountsJson);
        up.setString(6, featuresJson);
        up.setLong(7, durationMs);
        up.setLong(8, incidentCount);
        up.setLong(9, id);
        up.executeUpdate();
      }
      try (PreparedStatement old =
          db.prepareStatement(
              "DELETE FROM analyses WHERE id <= (SELECT id FROM analyses ORDER BY id DESC LIMIT 1 OFFSET ?)")) {
        old.setInt(1, keepAnalyses);
        old.executeUpdate();
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

  public Recording begin(String fileName, String source, String analysedAt, String settingsJson)
      throws SQLException {
    db.setAutoCommit(false);
    try (PreparedStatement ins =
        db.prepareStatement(
            "INSERT INTO analyses (file_name, sha256, analysed_at, source, "
                + "rows, anomalies, anomaly_rate, severity_counts, features, settings, duration_ms) "
                + "VALUES (?, '', ?, ?, 0, 0, 0, '{}', '[]', ?, 0)",
            Statement.RETURN_GENERATED_KEYS)) {
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
    try (PreparedStatement st =
        db.prepareStatement("SELECT * FROM analyses ORDER BY id DESC LIMIT ?")) {
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
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT row_index, timestamp, anomaly_score, severity, reason, "
                + "severity_factors, contributions FROM analysis_anomalies WHERE analysis_id = ? "
                + "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, anomaly_score LIMIT ?")) {
      st.setLong(1, analysisId);
      st.setInt(2, limit);
      return rows(st);
    }
  }

  /** The incidents kept with one analysis, in file order. */
  public List<BatchIncident> incidents(long analysisId) throws SQLException, IOException {
    List<BatchIncident> out = new ArrayList<>();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT id, first_row, last_row, started, ended, peak_row, peak, "
                + "peak_score, severity, reason, severity_factors, contributions FROM analysis_incidents "
                + "WHERE analysis_id = ? ORDER BY id")) {
      st.setLong(1, analysisId);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(
              new BatchIncident(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getLong(6),
                  rs.getString(7),
                  rs.getDouble(8),
                  Severity.parse(rs.getString(9)),
                  rs.getString(10),
                  ResultJson.parseStrings(rs.getString(11)),
                  Contributions.parseJson(rs.getString(12))));
        }
      }
    }
    return out;
  }

  /**
   * Every flagged row of one analysis in file order, streamed to {@code each} (an analysis may have
   * millions): row index, severity, reason, factors and contributions.
   */
  public void eachFlagged(long analysisId, FlaggedConsumer each) throws SQLException, IOException {
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT row_index, severity, reason, severity_factors, "
                + "contributions FROM analysis_anomalies WHERE analysis_id = ? ORDER BY row_index")) {
      st.setLong(1, analysisId);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          each.accept(
              rs.getLong(1),
              rs.getString(2),
              rs.getString(3),
              ResultJson.parseStrings(rs.getString(4)),
              Contributions.parseJson(rs.getString(5)));
        }
      }
    }
  }

  /** Receives one flagged row from {@link #eachFlagged}. */
  @FunctionalInterface
  public interface FlaggedConsumer {
    void accept(
        long rowIndex,
        String severity,
        String reason,
        List<String> factors,
        Contributions contributions)
        throws IOException;
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
