package dev.mad.batch;

import dev.mad.detect.Severity;
import java.util.EnumMap;
import java.util.List;

/**
 * What one analysis found, for the console summary and the history. {@code incidents} holds the most
 * urgent {@link BatchIncidents#KEPT} in file order; {@code incidentCount} counts them all.
 */
public record BatchResult(
    String fileName,
    String sha256,
    long rows,
    long anomalies,
    EnumMap<Severity, Long> bySeverity,
    List<FlaggedRow> top,
    List<String> features,
    int trainingRows,
    double threshold,
    long durationMs,
    List<ChartSampler.Point> chart,
    List<BatchIncident> incidents,
    long incidentCount) {

  /** One flagged row as shown in summaries and stored in the history. */
  public record FlaggedRow(
      long rowIndex,
      String timestamp,
      double score,
      Severity severity,
      String reason,
      List<String> severityFactors,
      Contributions contributions,
      long incidentId) {}

  public double anomalyRate() {
    return rows == 0 ? 0 : (double) anomalies / rows;
  }
}
