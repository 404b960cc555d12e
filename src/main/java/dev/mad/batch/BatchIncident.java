package dev.mad.batch;

import dev.mad.detect.Severity;
import java.util.List;

/**
 * One incident of a batch analysis: a run of rows that the alarm filter judged to be one event.
 *
 * @param id       1, 2, ... in file order; the {@code incident_id} of its rows
 * @param firstRow its first row (0-based data row)
 * @param lastRow  its last flagged row
 * @param peakRow  its most unusual row
 */
public record BatchIncident(
    long id,
    long firstRow,
    long lastRow,
    String started,
    String ended,
    long peakRow,
    String peakTimestamp,
    double peakScore,
    Severity severity,
    String reason,
    List<String> severityFactors,
    Contributions contributions) {

  public long rows() {
    return lastRow - firstRow + 1;
  }
}
