package dev.mad.analysis;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Records one analysis in the history database. The database is opened on another thread while
 * the file is being read (loading SQLite's native library and classes costs a noticeable part of a
 * short analysis), and the analysis row is begun only when first needed.
 */
final class HistoryRecorder implements AutoCloseable {
  private final CompletableFuture<AnalysisHistory> opening;
  private final String fileName;
  private final String source;
  private final String analysedAt;
  private final String settingsJson;
  private AnalysisHistory.Recording recording;

  HistoryRecorder(Path db, String fileName, String source, String analysedAt, String settingsJson) {
    this.opening =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return AnalysisHistory.open(db);
              } catch (SQLException e) {
                throw new CompletionException(e);
              }
            });
    this.fileName = fileName;
    this.source = source;
    this.analysedAt = analysedAt;
    this.settingsJson = settingsJson;
  }

  AnalysisHistory.Recording recording() throws SQLException {
    if (recording == null) {
      recording = history().begin(fileName, source, analysedAt, settingsJson);
    }
    return recording;
  }

  private AnalysisHistory history() throws SQLException {
    try {
      return opening.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof SQLException s) {
        throw s;
      }
      throw e;
    }
  }

  /** Rolls back an unfinished analysis and closes the database. */
  @Override
  public void close() throws SQLException {
    try {
      if (recording != null) {
        recording.close();
      }
    } finally {
      AnalysisHistory history = opening.handle((h, e) -> h).join();
      if (history != null) {
        history.close();
      }
    }
  }
}
