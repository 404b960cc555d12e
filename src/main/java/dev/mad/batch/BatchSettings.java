package dev.mad.batch;

import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectionJson;
import dev.mad.detect.IsolationForestParams;
import dev.mad.detect.Rule;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * Settings of one batch analysis.
 *
 * @param features   columns to analyse, or null for every numeric column
 * @param windowRows rolling window (rows) of the z-score baseline, or 0 for the whole training set
 * @param trainFile  file to fit on, or null to fit on the analysed file itself
 * @param openLevel  level of the alarm filter that opens an incident (see {@link dev.mad.detect.AlarmFilter})
 * @param quietRows  rows below half the open level that close an incident
 */
public record BatchSettings(
    IsolationForestParams forest,
    AnomalyDetector.Settings detector,
    List<Rule> rules,
    List<String> features,
    int windowRows,
    Path trainFile,
    double openLevel,
    int quietRows) {

  /** Rows below half the open level that close an incident in a batch analysis. */
  public static final int DEFAULT_QUIET_ROWS = 3;

  /**
   * Columns analysed at once at most. A block of rows in the scoring passes holds {@code 4096 x
   * features} values per thread and per block in flight, so this bounds an analysis' memory (at 256
   * about 8 MB per block); the server's live sampling shares the process.
   */
  public static final int MAX_FEATURES = 256;

  /** Training rows kept in memory at most (a uniform sample of the file), so memory is bounded. */
  public static final int MAX_TRAINING_ROWS = 20_000;

  /**
   * The settings of an analysis with the server's {@code detect} section, overridden by a command line.
   *
   * @param contamination the forest's contamination, or null for the section's
   * @param sensitivity   the alarm sensitivity, or null for the section's
   */
  public static BatchSettings of(
      JsonObject detect,
      Double contamination,
      List<String> features,
      int windowRows,
      Path trainFile,
      Double sensitivity) {
    return new BatchSettings(
        DetectionJson.forestParams(
            detect, contamination != null ? contamination : detect.getDouble("contamination")),
        DetectionJson.detectorSettings(detect),
        DetectionJson.rules(detect.getJsonArray("rules")),
        features,
        windowRows,
        trainFile,
        DetectionJson.openLevel(
            sensitivity != null ? sensitivity : detect.getDouble("sensitivity")),
        DEFAULT_QUIET_ROWS);
  }

  /** Settings for dashboard uploads: the server's detect section, whole-file baseline, all numeric columns. */
  public static BatchSettings forUploads(JsonObject detect) {
    return of(detect, null, null, 0, null, null);
  }
}
