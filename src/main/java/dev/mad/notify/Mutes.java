package dev.mad.notify;

import dev.mad.config.NotifySpec;
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
import java.util.ArrayList;
import java.util.List;

/**
 * What keeps notifications quiet: silences (a host, or a host and metric, until a time; made by a
 * person from the dashboard or the API) and maintenance windows (a host or every host, from a start
 * to an end; from {@code notify.maintenance} or the API). Incidents are detected and recorded as
 * ever; only their notifications are held back. Those made through the API are kept in {@code
 * notifications.db} (tables {@code silences} and {@code maintenance}), so a restart keeps them; the
 * configured windows are read at start. Ended ones are forgotten. At most {@link #MAX_ACTIVE}
 * silences and {@link NotifySpec.MAX_WINDOWS} windows exist at once.
 *
 * <p>Blocking JDBC: call from a worker thread only. Not thread-safe.
 */
final class Mutes implements AutoCloseable {
  /** Silences in force at once. */
  static final int MAX_ACTIVE = 1000;

  /** Host of a window that covers every host. */
  static final String EVERY_HOST = "*";

  /**
   * A silence: notifications of incidents on {@code host} (whose leading metric is {@code metric},
   * when one is given) are held back until {@code untilMs}.
   */
  record Silence(
      long id,
      String host,
      String metric,
      long untilMs,
      long createdMs,
      String by,
      String comment) {
    JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("host", host)
          .put("metric", metric)
          .put("until", Instant.ofEpochMilli(untilMs).toString())
          .put("created", Instant.ofEpochMilli(createdMs).toString())
          .put("by", by)
          .put("comment", comment);
    }

    boolean covers(String h, String m, long atMs) {
      return host.equals(h) && (metric == null || metric.equals(m)) && atMs < untilMs;
    }
  }

  /** A maintenance window; {@code id} 0 for one from the configuration (not removable by the API). */
  record Window(long id, String host, long startMs, long endMs, String comment, String by) {
    JsonObject toJson() {
      return new JsonObject()
          .put("id", id)
          .put("host", host)
          .put("start", Instant.ofEpochMilli(startMs).toString())
          .put("end", Instant.ofEpochMilli(endMs).toString())
          .put("comment", comment)
          .put("by", by)
          .put("source", id == 0 ? "config" : "api");
    }

    boolean covers(String h, long atMs) {
      return (host.equals(EVERY_HOST) || host.equals(h)) && atMs >= startMs && atMs < endMs;
    }
  }

  /** Refused: too many in force, or an end already past. */
  static final class Refused extends Exception {
    Refused(String why) {
      super(why);
    }
  }

  private final Connection db;
  private final List<Silence> silences = new ArrayList<>();
  private final List<Window> windows = new ArrayList<>();

  private Mutes(Connection db) {
    this.db = db;
  }

  static Mutes open(Path file, JsonArray configured) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement st = db.createStatement()) {
      st.execute("PRAGMA busy_timeout = 10000");
      st.execute("PRAGMA journal_mode = WAL");
      st.execute(
          "CREATE TABLE IF NOT EXISTS silences (id INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT"
              + " NULL, metric TEXT, until_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL, by TEXT,"
              + " comment TEXT)");
      st.execute(
          "CREATE TABLE IF NOT EXISTS maintenance (id INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT"
              + " NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, comment TEXT, by"
              + " TEXT)");
      Mutes m = new Mutes(db);
      for (Object o : configured) {
        JsonObject w = (JsonObject) o;
        m.windows.add(
            new Window(
                0,
                w.getString("host").strip(),
                Instant.parse(w.getString("start").strip()).toEpochMilli(),
                Instant.parse(w.getString("end").strip()).toEpochMilli(),
                w.getString("comment", ""),
                "config"));
      }
      m.load(System.currentTimeMillis());
      return m;
    } catch (SQLException e) {
      db.close();
      throw e;
    }
  }

  private void load(long nowMs) throws SQLException {
    expire(nowMs);
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT id, host, metric, until_ms, created_ms, by, comment FROM silences ORDER BY"
                    + " id")) {
      while (rs.next()) {
        silences.add(
            new Silence(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                rs.getLong(5),
                rs.getString(6),
                rs.getString(7)));
      }
    }
    try (Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT id, host, start_ms, end_ms, comment, by FROM maintenance ORDER BY id")) {
      while (rs.next()) {
        windows.add(
            new Window(
                rs.getLong(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getLong(4),
                rs.getString(5),
                rs.getString(6)));
      }
    }
  }

  /** Forgets silences and windows that have ended. */
  void expire(long nowMs) throws SQLException {
    silences.removeIf(s -> s.untilMs() <= nowMs);
    windows.removeIf(w -> w.endMs() <= nowMs);
    try (PreparedStatement a = db.prepareStatement("DELETE FROM silences WHERE until_ms <= ?");
        PreparedStatement b = db.prepareStatement("DELETE FROM maintenance WHERE end_ms <= ?")) {
      a.setLong(1, nowMs);
      a.executeUpdate();
      b.setLong(1, nowMs);
      b.executeUpdate();
    }
  }

  Silence silence(String host, String metric, long untilMs, String by, String comment, long nowMs)
      throws SQLException, Refused {
    expire(nowMs);
    if (untilMs <= nowMs) {
      throw new Refused("the silence would already be over");
    }
    if (silences.size() >= MAX_ACTIVE) {
      throw new Refused(
          MAX_ACTIVE + " silences are in force already; remove one or wait until one ends");
    }
    long id =
        insert(
            "INSERT INTO silences (host, metric, until_ms, created_ms, by, comment) VALUES (?, ?, ?,"
                + " ?, ?, ?)",
            host,
            metric,
            untilMs,
            nowMs,
            by,
            comment);
    Silence s = new Silence(id, host, metric, untilMs, nowMs, by, comment);
    silences.add(s);
    return s;
  }

  Window window(String host, long startMs, long endMs, String by, String comment, long nowMs)
      throws SQLException, Refused {
    expire(nowMs);
    if (endMs <= nowMs) {
      throw new Refused("the window would already be over");
    }
    if (windows.size() >= NotifySpec.MAX_WINDOWS) {
      throw new Refused(
          NotifySpec.MAX_WINDOWS
              + " maintenance windows exist already; remove one or wait until one ends");
    }
    long id =
        insert(
            "INSERT INTO maintenance (host, start_ms, end_ms, comment, by) VALUES (?, ?, ?, ?, ?)",
            host,
            startMs,
            endMs,
            comment,
            by);
    Window w = new Window(id, host, startMs, endMs, comment, by);
    windows.add(w);
    return w;
  }

  /** Runs the INSERT with these values and answers the new row's id. */
  private long insert(String sql, Object... values) throws SQLException {
    try (PreparedStatement st = db.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
      for (int i = 0; i < values.length; i++) {
        st.setObject(i + 1, values[i]);
      }
      st.executeUpdate();
      try (ResultSet keys = st.getGeneratedKeys()) {
        keys.next();
        return keys.getLong(1);
      }
    }
  }

  /** Removes the silence; false when there is none of that id. */
  boolean removeSilence(long id) throws SQLException {
    try (PreparedStatement st = db.prepareStatement("DELETE FROM silences WHERE id = ?")) {
      st.setLong(1, id);
      st.executeUpdate();
    }
    return silences.removeIf(s -> s.id() == id);
  }

  /** Removes the window made through the API; false when there is none of that id. */
  boolean removeWindow(long id) throws SQLException {
    if (id <= 0) {
      return false;
    }
    try (PreparedStatement st = db.prepareStatement("DELETE FROM maintenance WHERE id = ?")) {
      st.setLong(1, id);
      st.executeUpdate();
    }
    return windows.removeIf(w -> w.id() == id);
  }

  List<Silence> silences() {
    return List.copyOf(silences);
  }

  List<Window> windows() {
    return List.copyOf(windows);
  }

  /**
   * Why a notification of an incident on {@code host} led by {@code metric} is held back at {@code
   * atMs}, or null when it is not.
   */
  String why(String host, String metric, long atMs) {
    for (Window w : windows) {
      if (w.covers(host, atMs)) {
        return "maintenance window until " + Instant.ofEpochMilli(w.endMs());
      }
    }
    for (Silence s : silences) {
      if (s.covers(host, metric, atMs)) {
        return "silenced until " + Instant.ofEpochMilli(s.untilMs());
      }
    }
    return null;
  }

  /** Until when a notification would be held back: the latest end among the mutes that match now. */
  long mutedUntil(String host, String metric, long atMs) {
    long until = 0;
    for (Window w : windows) {
      if (w.covers(host, atMs)) {
        until = Math.max(until, w.endMs());
      }
    }
    for (Silence s : silences) {
      if (s.covers(host, metric, atMs)) {
        until = Math.max(until, s.untilMs());
      }
    }
    return until;
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
