package dev.mad.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The names of everything the product keeps in its logs directory ({@code logs_dir}), in one place,
 * and the start-up clean-up of what a crash can leave there. Which feature writes each file is said
 * beside its name; every file and directory here has a documented bound (README, "Files").
 */
public final class LogsDir {
  private static final Logger LOG = LoggerFactory.getLogger(LogsDir.class);

  /** Live samples with their verdicts (persist; rolled over by size and day). */
  public static final String METRICS_HISTORY = "metrics_history.csv";

  /** The most recent live incidents (persist; {@code persist.max_incidents} at most). */
  public static final String INCIDENTS = "anomalies.json";

  /** Batch analyses with their flagged rows (analysis). */
  public static final String HISTORY_DB = "anomaly_history.db";

  /** Notifications waiting for their receivers, silences and maintenance windows (notify). */
  public static final String NOTIFICATIONS_DB = "notifications.db";

  /** Every row of the latest batch analysis with its verdict (analysis). */
  public static final String LATEST_RESULTS = "metrics_data.csv";

  /** Per-analysis result files (analysis; the newest few analyses only). */
  public static final String ANALYSES_DIR = "analyses";

  /** Uploads on their way to an analysis (web writes, analysis deletes). */
  public static final String UPLOADS_DIR = "uploads";

  /** The server's log (logging). */
  public static final String SERVER_LOG = "system_monitor";

  /** The batch analyses' log (logging). */
  public static final String ANALYSIS_LOG = "csv_analysis";

  /** Suffix of a file being written, renamed into place when complete. */
  public static final String TEMP_SUFFIX = ".tmp";

  private LogsDir() {}

  /**
   * Deletes what a crash (kill -9, power loss) can leave behind: temp files of interrupted writes
   * and analyses, and uploads that were never analysed. Call only while holding the {@link LogsDirLock}.
   */
  public static void removeLeftovers(Path logsDir) throws IOException {
    for (Path dir : List.of(logsDir, logsDir.resolve(ANALYSES_DIR), logsDir.resolve(UPLOADS_DIR))) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          String name = p.getFileName().toString();
          if (Files.isRegularFile(p) && (name.endsWith(TEMP_SUFFIX) || dir.endsWith(UPLOADS_DIR))) {
            Files.deleteIfExists(p);
            LOG.info("Removed {} left by an interrupted run", p);
          }
        }
      }
    }
  }
}
