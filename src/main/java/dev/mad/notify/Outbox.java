package dev.mad.notify;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The notifications not yet delivered, in {@code notifications.db}, table {@code outbox}: each is
 * written here (one row per receiver) before anything is sent, and deleted only when its receiver
 * has taken it, so a notification survives a dead receiver and a restart, and is delivered at
 * least once. Rows are taken in the order they were written ({@code seq}), so the events of one
 * incident reach a receiver in the order they happened. At most {@code limit} rows wait per
 * receiver; beyond that the oldest are dropped (and counted by the caller).
 *
 * <p>Blocking JDBC: call from a worker thread only. Not thread-safe.
 */
final class Outbox implements AutoCloseable {
  private static final String DDL =
      """
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        receiver TEXT NOT NULL,
        event_id TEXT NOT NULL,
        incident TEXT NOT NULL,
        event TEXT NOT NULL,
        body TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_ms INTEGER NOT NULL,
        last_error TEXT
      )""";

  /** One notification for one receiver. */
  record Entry(
      long seq,
      String receiver,
      String eventId,
      String incident,
      String event,
      String body,
      long createdMs,
      int attempts,
      long nextMs,
      String lastError) {}

  /** A notification to write: its receiver, event id, incident key, event name and body. */
  record Draft(String receiver, String eventId, String incident, String event, String body) {}

  private final Connection db;
  private final int limit;

  private Outbox(Connection db, int limit) {
    this.db = db;
    this.limit = limit;
  }

  static Outbox open(Path file, int limit) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement st = db.createStatement()) {
      st.execute("PRAGMA busy_timeout = 10000");
      st.execute("PRAGMA journal_mode = WAL");
      // FULL: a row the server said it recorded is on disk even if the machine loses power
      st.execute("PRAGMA synchronous = FULL");
      st.execute(DDL);
      st.execute("CREATE INDEX IF NOT EXISTS outbox_receiver ON outbox (receiver, seq)");
      return new Outbox(db, limit);
    } catch (SQLException e) {
      db.close();
      throw e;
    }
  }

  /**
   * Writes the drafts in one transaction, then drops each receiver's oldest rows beyond the limit.
   *
   * @return the rows dropped to keep the limit, for the caller to log and count
   */
  List<Entry> add(List<Draft> drafts, long nowMs) throws SQLException {
    if (drafts.isEmpty()) {
      return List.of();
    }
    db.setAutoCommit(false);
    try (PreparedStatement st =
        db.prepareStatement(
            "INSERT INTO outbox (receiver, event_id, incident, event, body, created_ms, next_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (Draft d : drafts) {
        st.setString(1, d.receiver());
        st.setString(2, d.eventId());
        st.setString(3, d.incident());
        st.setString(4, d.event());
        st.setString(5, d.body());
        st.setLong(6, nowMs);
        st.setLong(7, nowMs);
        st.addBatch();
      }
      st.executeBatch();
      List<Entry> dropped = new ArrayList<>();
      for (String receiver : drafts.stream().map(Draft::receiver).distinct().toList()) {
        int over = pending(receiver) - limit;
        if (over > 0) {
          dropped.addAll(oldest(receiver, over));
          try (PreparedStatement del =
              db.prepareStatement(
                  "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE receiver = ?"
                      + " ORDER BY seq LIMIT ?)")) {
            del.setString(1, receiver);
            del.setInt(2, over);
            del.executeUpdate();
          }
        }
      }
      db.commit();
      return dropped;
    } catch (SQLException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(true);
    }
  }

  /** The receiver's oldest waiting notification, or null. */
  Entry head(String receiver) throws SQLException {
    List<Entry> one = oldest(receiver, 1);
    return one.isEmpty() ? null : one.get(0);
  }

  private List<Entry> oldest(String receiver, int n) throws SQLException {
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT seq, receiver, event_id, incident, event, body, created_ms, attempts, next_ms,"
                + " last_error FROM outbox WHERE receiver = ? ORDER BY seq LIMIT ?")) {
      st.setString(1, receiver);
      st.setInt(2, n);
      List<Entry> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Entry(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getLong(7),
                  rs.getInt(8),
                  rs.getLong(9),
                  rs.getString(10)));
        }
      }
      return out;
    }
  }

  /** The receiver took it: it is forgotten. */
  void delivered(long seq) throws SQLException {
    delete(seq);
  }

  /** Given up on (too old, or refused as malformed): it is forgotten. */
  void drop(long seq) throws SQLException {
    delete(seq);
  }

  private void delete(long seq) throws SQLException {
    try (PreparedStatement st = db.prepareStatement("DELETE FROM outbox WHERE seq = ?")) {
      st.setLong(1, seq);
      st.executeUpdate();
    }
  }

  /** An attempt failed: counted, with its error, and the next one not before {@code nextMs}. */
  void failed(long seq, String error, long nextMs) throws SQLException {
    try (PreparedStatement st =
        db.prepareStatement(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_ms = ? WHERE seq = ?")) {
      st.setString(1, error.length() > 500 ? error.substring(0, 500) : error);
      st.setLong(2, nextMs);
      st.setLong(3, seq);
      st.executeUpdate();
    }
  }

  /** Notifications waiting for the receiver. */
  int pending(String receiver) throws SQLException {
    try (PreparedStatement st =
        db.prepareStatement("SELECT COUNT(*) FROM outbox WHERE receiver = ?")) {
      st.setString(1, receiver);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  /** Rows of receivers no longer configured: they can never be delivered. */
  int forgetOthers(List<String> receivers) throws SQLException {
    StringBuilder sql = new StringBuilder("DELETE FROM outbox");
    if (!receivers.isEmpty()) {
      sql.append(" WHERE receiver NOT IN (");
      sql.append("?, ".repeat(receivers.size() - 1)).append("?)");
    }
    try (PreparedStatement st = db.prepareStatement(sql.toString())) {
      for (int i = 0; i < receivers.size(); i++) {
        st.setString(i + 1, receivers.get(i));
      }
      return st.executeUpdate();
    }
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
