package dev.mad.analysis;

import dev.mad.batch.BatchAnalysis;
import dev.mad.batch.BatchIncident;
import dev.mad.batch.BatchIncidents;
import dev.mad.batch.BatchOutput;
import dev.mad.batch.BatchResult;
import dev.mad.batch.BatchSettings;
import dev.mad.batch.ByteSink;
import dev.mad.batch.ChartSampler;
import dev.mad.batch.JsonText;
import dev.mad.batch.ResultJson;
import dev.mad.batch.csv.InputDataException;
import dev.mad.detect.Severity;
import dev.mad.files.LogsDir;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch analysis end to end, for the command line and for dashboard uploads alike:
 * analysis, result files ({@code metrics_data.csv} and the optional output file) and the
 * history record, committed together or not at all. Blocking; never on an event loop.
 */
public final class BatchRunner {

  /** The analysis and its id in the history. */
  public record Outcome(BatchResult result, long analysisId) {}

  /** Rows analysed by uploads, for /metrics ({@code mad_batch_rows_analysed_total}). */
  static final String ROWS_ANALYSED = "mad.batch.rows.analysed";

  private BatchRunner() {}

  /**
   * @param input       the file to analyse
   * @param displayName the name to record and show (the user's original file name)
   * @param output      the user's output file (.csv or .json), or null
   * @param source      {@code cli} or {@code upload}
   * @param keepAnalyses analyses the history keeps ({@code analysis.keep_analyses}); older ones are deleted
   */
  public static Outcome run(
      Path input,
      String displayName,
      BatchSettings settings,
      Path logsDir,
      int keepAnalyses,
      Path output,
      String source,
      DoubleConsumer progress)
      throws InputDataException, IOException, SQLException {
    Logger log = LoggerFactory.getLogger(BatchRunner.class);
    log.info(
        "Analysing {} ({}): contamination {}, window {}, features {}, train file {}",
        displayName,
        source,
        settings.forest().contamination(),
        settings.windowRows() > 0 ? settings.windowRows() + " rows" : "whole file",
        settings.features() == null ? "all numeric" : settings.features(),
        settings.trainFile() == null ? "none (fit on the file itself)" : settings.trainFile());
    BatchAnalysis analysis = new BatchAnalysis(settings, logsDir, progress);
    try (HistoryRecorder history =
            new HistoryRecorder(
                logsDir.resolve(LogsDir.HISTORY_DB),
                displayName,
                source,
                OffsetDateTime.now().toString(),
                JsonText.of(settingsMap(settings)));
        ResultFiles files = new ResultFiles(logsDir.resolve(LogsDir.LATEST_RESULTS), output)) {
      BatchOutput both =
          new BatchOutput() {
            @Override
            public void start(List<String> header, List<String> features) throws IOException {
              files.start(header, features);
            }

            @Override
            public boolean wantsJson() {
              return files.wantsJson();
            }

            @Override
            public void block(ByteSink csv, ByteSink json) throws IOException {
              files.block(csv, json);
            }

            @Override
            public void flagged(BatchResult.FlaggedRow row) throws IOException {
              try {
                history
                    .recording()
                    .addFlagged(
                        row.rowIndex(),
                        row.timestamp(),
                        row.score(),
                        row.severity().label(),
                        row.reason(),
                        JsonText.of(row.severityFactors()),
                        row.contributions());
              } catch (SQLException e) {
                throw new IOException(
                    "cannot record in " + LogsDir.HISTORY_DB + ": " + e.getMessage(), e);
              }
            }
          };
      BatchResult result;
      try {
        result = analysis.run(input, displayName, both);
      } catch (InputDataException e) {
        log.warn("Analysis of {} refused: {}", displayName, e.getMessage());
        throw e;
      }
      Map<String, Long> counts = new LinkedHashMap<>();
      for (Severity s : Severity.values()) {
        counts.put(s.label(), result.bySeverity().get(s));
      }
      files.commit(result);
      if (!"cli".equals(source)) {
        Metrics.counter(ROWS_ANALYSED, "source", source).increment(result.rows());
      }
      AnalysisHistory.Recording recording = history.recording();
      recording.finish(
          result.sha256(),
          result.rows(),
          result.anomalies(),
          JsonText.of(counts),
          JsonText.of(result.features()),
          result.durationMs(),
          result.incidents(),
          result.incidentCount(),
          keepAnalyses);
      try {
        new AnalysisFiles(logsDir)
            .store(recording.id(), logsDir.resolve(LogsDir.LATEST_RESULTS), chartJson(result));
      } catch (IOException e) {
        // The analysis itself is stored; only the dashboard's chart and download for it are
        // missing.
        log.warn(
            "Could not keep the result files of analysis #{}: {}", recording.id(), e.toString());
      }
      log.info(
          "Analysis #{} of {}: {} rows, {} anomalies ({}), severity {}, {} ms",
          recording.id(),
          displayName,
          result.rows(),
          result.anomalies(),
          String.format(Locale.ROOT, "%.2f%%", 100 * result.anomalyRate()),
          counts,
          result.durationMs());
      return new Outcome(result, recording.id());
    }
  }

  static String chartJson(BatchResult r) {
    StringBuilder sb = new StringBuilder(64 * r.chart().size() + 64);
    sb.append("{\"columns\":");
    JsonText.append(sb, r.features());
    sb.append(",\"points\":[");
    boolean first = true;
    for (ChartSampler.Point p : r.chart()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append("{\"t\":")
          .append(p.epochMs())
          .append(",\"row\":")
          .append(p.row())
          .append(",\"values\":");
      JsonText.append(sb, p.values());
      sb.append(",\"is_anomaly\":").append(p.anomaly()).append(",\"anomaly_score\":");
      JsonText.number(sb, Math.round(p.score() * 10000) / 10000.0);
      sb.append('}');
    }
    sb.append("],\"incident_count\":").append(r.incidentCount()).append(",\"incidents\":[");
    first = true;
    for (BatchIncident inc : BatchIncidents.mostUrgent(r.incidents(), SHOWN_INCIDENTS)) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(ResultJson.text(g -> ResultJson.incident(g, inc)));
    }
    return sb.append("]}").toString();
  }

  /** Incidents kept with an analysis for the dashboard (the most urgent; all are counted). */
  static final int SHOWN_INCIDENTS = 200;

  private static Map<String, Object> settingsMap(BatchSettings s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("contamination", s.forest().contamination());
    m.put("n_estimators", s.forest().nEstimators());
    m.put("max_samples", s.forest().maxSamples());
    m.put("random_seed", s.forest().randomSeed());
    m.put("zscore_threshold", s.detector().zThreshold());
    m.put("window_size", s.windowRows() > 0 ? s.windowRows() : null);
    m.put("features", s.features());
    m.put("train_file", s.trainFile() == null ? null : s.trainFile().getFileName().toString());
    return m;
  }
}
