package dev.mad.persist;

import dev.mad.bus.IncidentChange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The live incidents' history in {@code anomaly_history.db}, table {@code live_incidents}: one row per
 * incident (host and id, the id being its start in ms, so it is the same row across restarts),
 * written when it opens and on every change and close, with the detection's fields (severity,
 * reason, detectors, contributions, expected values, peak) and the columns for its life (state,
 * acknowledged by and at, resolved by and at, the latest comment, silenced until, false alarm). At most {@code maxRows} rows are
 * kept; the oldest closed ones go first.
 *
 * <p>The table is created if missing ({@code CREATE TABLE IF NOT EXISTS}); the batch analyses'
 * tables and their schema version in the same file belong to {@code AnalysisHistory} and are not
 * touched (its schema-2 migration drops schema 1's never-written {@code incidents} table, hence
 * this one's name). WAL journal and a busy timeout let both open the file at once. Blocking JDBC: call from
 * a worker thread only. Not thread-safe.
 */
public final class IncidentStore implements AutoCloseable {
  private static final String DDL =
      """
      CREATE TABLE IF NOT EXISTS live_incidents (
        host TEXT NOT NULL,
        id INTEGER NOT NULL,
        started TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        ended TEXT,
        peak TEXT NOT NULL,
        severity TEXT NOT NULL,
        reason TEXT NOT NULL,
        severity_factors TEXT NOT NULL,
        detectors TEXT NOT NULL,
        contributions TEXT NOT NULL,
        expected TEXT NOT NULL,
        metrics TEXT NOT NULL,
        anomaly_score REAL,
        duration_s REAL NOT NULL,
        samples INTEGER NOT NULL,
        state TEXT NOT NULL,
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        comment TEXT,
        silenced_until TEXT,
        false_alarm INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        resolved_by TEXT,
        resolved_at TEXT,
        PRIMARY KEY (host, id)
      )""";

  private static final String UPSERT =
      """
      INSERT INTO live_incidents (host, id, started, started_ms, ended, peak, severity, reason,
        severity_factors, detectors, contributions, expected, metrics, anomaly_score, duration_s,
        samples, state, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (host, id) DO UPDATE SET
        peak = excluded.peak, severity = excluded.severity,
        reason = excluded.reason, severity_factors = excluded.severity_factors,
        detectors = excluded.detectors, contributions = excluded.contributions,
        expected = excluded.expected, metrics = excluded.metrics,
        anomaly_score = excluded.anomaly_score, duration_s = excluded.duration_s,
        samples = excluded.samples, updated_at = excluded.updated_at,
        ended = CASE WHEN live_incidents.resolved_at IS NULL THEN excluded.ended
          ELSE coalesce(excluded.ended, live_incidents.ended) END,
        state = CASE WHEN live_incidents.resolved_at IS NULL THEN excluded.state ELSE 'closed' END""";

  private final Connection db;
  private final int maxRows;
  private final PreparedStatement upsert;
  private int sinceTrim;

  /** A filter and a page of {@link #query}; null fields do not filter. */
  public record Query(
      String host,
      String severity,
      String state,
      Long fromMs,
      Long toMs,
      Boolean falseAlarm,
      int limit,
      int offset) {}

  /** What a person did to an incident: one of {@link IncidentChange#ACTIONS}. */
  public record Work(String action, String host, long id, String by, String comment) {}

  private IncidentStore(Connection db, int maxRows) throws SQLException {
    this.db = db;
    this.maxRows = maxRows;
    this.upsert = db.prepareStatement(UPSERT);
  }

  /** Opens (creating when needed) the live incidents table in {@code file}. */
  public static IncidentStore open(Path file, int maxRows) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement st = db.createStatement()) {
      st.execute("PRAGMA busy_timeout = 10000");
      st.execute("PRAGMA journal_mode = WAL");
      st.execute(DDL);
      addColumns(db);
      st.execute(
          "CREATE INDEX IF NOT EXISTS live_incidents_started ON live_incidents (started_ms)");
      st.execute(
          "CREATE INDEX IF NOT EXISTS live_incidents_host_started ON live_incidents (host, started_ms)");
      return new IncidentStore(db, maxRows);
    } catch (SQLException e) {
      db.close();
      throw e;
    }
  }

  /** Adds the columns later versions brought to a table an earlier one created. */
  private static void addColumns(Connection db) throws SQLException {
    List<String> have = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA table_info(live_incidents)")) {
      while (rs.next()) {
        have.add(rs.getString("name"));
      }
    }
    for (String column : List.of("resolved_by", "resolved_at")) {
      if (!have.contains(column)) {
        try (Statement st = db.createStatement()) {
          st.execute("ALTER TABLE live_incidents ADD COLUMN " + column + " TEXT");
        }
      }
    }
  }

  /**
   * Records what a person did: acknowledged (by, at, comment), resolved (closed now if still open,
   * by, at, comment; later changes from detection no longer reopen it), false_alarm (marked, and
   * acknowledged by the same person if nobody had). A comment replaces the previous one.
   *
   * @return the incident as it now stands, or null when there is no such incident
   */
  public JsonObject work(Work w, Instant now) throws SQLException {
    String at = now.toString();
    String set =
        switch (w.action()) {
          case IncidentChange.ACKNOWLEDGED -> "acknowledged_by = ?, acknowledged_at = ?";
          case IncidentChange.RESOLVED ->
              "resolved_by = ?, resolved_at = ?, state = 'closed', ended = coalesce(ended, ?),"
                  + " acknowledged_by = coalesce(acknowledged_by, ?), acknowledged_at ="
                  + " coalesce(acknowledged_at, ?)";
          case IncidentChange.FALSE_ALARM ->
              "false_alarm = 1, acknowledged_by = coalesce(acknowledged_by, ?), acknowledged_at ="
                  + " coalesce(acknowledged_at, ?)";
          default -> throw new IllegalArgumentException("unknown action " + w.action());
        };
    try (PreparedStatement st =
        db.prepareStatement(
            "UPDATE live_incidents SET "
                + set
                + ", comment = coalesce(?, comment), updated_at = ? WHERE host = ? AND id = ?")) {
      int i = 1;
      st.setString(i++, w.by());
      st.setString(i++, at);
      if (w.action().equals(IncidentChange.RESOLVED)) {
        st.setString(i++, at);
        st.setString(i++, w.by());
        st.setString(i++, at);
      }
      st.setString(i++, w.comment());
      st.setString(i++, at);
      st.setString(i++, w.host());
      st.setLong(i, w.id());
      if (st.executeUpdate() == 0) {
        return null;
      }
    }
    return get(w.host(), w.id());
  }

  /**
   * Notes until when the incident's notifications are held back (a silence or maintenance window);
   * the later of this and an earlier note is kept.
   */
  public void silenced(String host, long id, String untilIso) throws SQLException {
    JsonObject now = get(host, id);
    if (now == null) {
      return;
    }
    String before = now.getString("silenced_until");
    if (before != null && epochMs(before, 0) >= epochMs(untilIso, 0)) {
      return; // a longer silence already holds it
    }
    try (PreparedStatement st =
        db.prepareStatement(
            "UPDATE live_incidents SET silenced_until = ? WHERE host = ? AND id = ?")) {
      st.setString(1, untilIso);
      st.setString(2, host);
      st.setLong(3, id);
      st.executeUpdate();
    }
  }

  /**
   * Closes the incidents still open, as the server starts: the detector that followed them is
   * gone. Each ends at the last sample that saw it (start + duration), and its comment says why,
   * unless a person left one.
   *
   * @return how many were closed
   */
  public int closeLeftOpen(Instant now) throws SQLException {
    List<Object[]> open = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT host, id, started, duration_s FROM live_incidents WHERE state = 'open'")) {
      while (rs.next()) {
        open.add(
            new Object[] {
              rs.getString(1), rs.getLong(2), lastSeen(rs.getString(3), rs.getDouble(4))
            });
      }
    }
    try (PreparedStatement st =
        db.prepareStatement(
            "UPDATE live_incidents SET state = 'closed', ended = ?, comment = coalesce(comment, ?),"
                + " updated_at = ? WHERE host = ? AND id = ?")) {
      for (Object[] o : open) {
        st.setString(1, (String) o[2]);
        st.setString(2, RESTART_NOTE);
        st.setString(3, now.toString());
        st.setString(4, (String) o[0]);
        st.setLong(5, (Long) o[1]);
        st.executeUpdate();
      }
    }
    return open.size();
  }

  /** What an incident closed at start says of itself. */
  static final String RESTART_NOTE = "closed at restart: the server stopped while it was open";

  /** The last sample that saw an incident: its start plus its duration, as ISO-8601. */
  static String lastSeen(String started, double durationSeconds) {
    try {
      return Instant.parse(started).plusMillis(Math.round(durationSeconds * 1000)).toString();
    } catch (DateTimeParseException e) {
      return started;
    }
  }

  /** The incident, or null. */
  public JsonObject get(String host, long id) throws SQLException {
    try (PreparedStatement st =
        db.prepareStatement("SELECT * FROM live_incidents WHERE host = ? AND id = ?")) {
      st.setString(1, host);
      st.setLong(2, id);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? row(rs) : null;
      }
    }
  }

  /** Writes the incident as this change leaves it; its life (acknowledgement etc.) is kept. */
  public void record(IncidentChange change) throws SQLException {
    IncidentChange.Report r = change.incident();
    JsonObject json = r.toJson();
    int i = 1;
    upsert.setString(i++, r.host());
    upsert.setLong(i++, r.id());
    upsert.setString(i++, r.started());
    upsert.setLong(i++, epochMs(r.started(), r.id()));
    upsert.setString(i++, r.ended());
    upsert.setString(i++, r.timestamp());
    upsert.setString(i++, r.severity());
    upsert.setString(i++, r.reason());
    upsert.setString(i++, json.getJsonArray("severity_factors").encode());
    upsert.setString(i++, json.getJsonArray("detectors").encode());
    upsert.setString(i++, json.getJsonObject("contributions").encode());
    upsert.setString(i++, json.getJsonObject("expected").encode());
    upsert.setString(i++, json.getJsonObject("metrics").encode());
    if (r.score() == null) {
      upsert.setNull(i++, java.sql.Types.REAL);
    } else {
      upsert.setDouble(i++, r.score());
    }
    upsert.setDouble(i++, r.durationSeconds());
    upsert.setLong(i++, r.samples());
    upsert.setString(i++, change.change().equals(IncidentChange.CLOSED) ? "closed" : "open");
    upsert.setString(i, Instant.now().toString());
    upsert.executeUpdate();
    if (++sinceTrim >= 100 || maxRows < 100) {
      trim();
    }
  }

  /** Keeps the newest {@code maxRows} rows, dropping the oldest closed incidents first. */
  void trim() throws SQLException {
    sinceTrim = 0;
    try (PreparedStatement st =
        db.prepareStatement(
            """
            DELETE FROM live_incidents WHERE rowid IN (
              SELECT rowid FROM live_incidents ORDER BY (state = 'open'), started_ms
              LIMIT max(0, (SELECT count(*) FROM live_incidents) - ?))""")) {
      st.setInt(1, maxRows);
      st.executeUpdate();
    }
  }

  /** One page of incidents, newest first, with the number matching the filter. */
  public JsonObject query(Query q) throws SQLException {
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    filter(where, args, "host = ?", q.host());
    filter(where, args, "severity = ?", q.severity());
    filter(where, args, "state = ?", q.state());
    filter(where, args, "started_ms >= ?", q.fromMs());
    filter(where, args, "started_ms < ?", q.toMs());
    filter(where, args, "false_alarm = ?", q.falseAlarm() == null ? null : q.falseAlarm() ? 1 : 0);
    long total;
    try (PreparedStatement st =
        db.prepareStatement("SELECT count(*) FROM live_incidents" + where)) {
      bind(st, args);
      try (ResultSet rs = st.executeQuery()) {
        total = rs.next() ? rs.getLong(1) : 0;
      }
    }
    JsonArray page = new JsonArray();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT * FROM live_incidents"
                + where
                + " ORDER BY started_ms DESC, host LIMIT ? OFFSET ?")) {
      args.add(q.limit());
      args.add(q.offset());
      bind(st, args);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          page.add(row(rs));
        }
      }
    }
    return new JsonObject()
        .put("total", total)
        .put("limit", q.limit())
        .put("offset", q.offset())
        .put("incidents", page);
  }

  /** Rows in the table. */
  public long count() throws SQLException {
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM live_incidents")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static void filter(
      StringBuilder where, List<Object> args, String condition, Object value) {
    if (value != null) {
      where.append(" AND ").append(condition);
      args.add(value);
    }
  }

  private static void bind(PreparedStatement st, List<Object> args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      st.setObject(i + 1, args.get(i));
    }
  }

  private static JsonObject row(ResultSet rs) throws SQLException {
    JsonObject o =
        new JsonObject()
            .put("host", rs.getString("host"))
            .put("id", rs.getLong("id"))
            .put("started", rs.getString("started"))
            .put("ended", rs.getString("ended"))
            .put("timestamp", rs.getString("peak"))
            .put("severity", rs.getString("severity"))
            .put("reason", rs.getString("reason"))
            .put("severity_factors", new JsonArray(rs.getString("severity_factors")))
            .put("detectors", new JsonArray(rs.getString("detectors")))
            .put("contributions", new JsonObject(rs.getString("contributions")))
            .put("expected", new JsonObject(rs.getString("expected")))
            .put("metrics", new JsonObject(rs.getString("metrics")))
            .put("duration_s", rs.getDouble("duration_s"))
            .put("samples", rs.getLong("samples"))
            .put("state", rs.getString("state"))
            .put("acknowledged_by", rs.getString("acknowledged_by"))
            .put("acknowledged_at", rs.getString("acknowledged_at"))
            .put("comment", rs.getString("comment"))
            .put("silenced_until", rs.getString("silenced_until"))
            .put("false_alarm", rs.getInt("false_alarm") != 0)
            .put("resolved_by", rs.getString("resolved_by"))
            .put("resolved_at", rs.getString("resolved_at"))
            .put("updated_at", rs.getString("updated_at"));
    double score = rs.getDouble("anomaly_score");
    if (!rs.wasNull()) {
      o.put("anomaly_score", score);
    }
    return o;
  }

  /** The start as epoch ms; an incident's id is its start in ms, the fallback for a bad text. */
  private static long epochMs(String iso, long id) {
    if (iso == null) {
      return id;
    }
    try {
      return Instant.parse(iso).toEpochMilli();
    } catch (DateTimeParseException e) {
      return id;
    }
  }

  @Override
  public void close() throws SQLException {
    upsert.close();
    db.close();
  }
}
