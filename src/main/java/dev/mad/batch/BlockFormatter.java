package dev.mad.batch;

import dev.mad.batch.csv.Rfc4180;
import dev.mad.detect.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Formats result rows as bytes: the input record copied as it was read, then the result columns
 * ({@code is_anomaly, anomaly_score, severity, reason, severity_factors, contributions, incident_id});
 * and, when asked, the same row as a JSON object ({@link ResultJson}). Stateless, so every scoring
 * thread shares one.
 */
final class BlockFormatter {
  private static final byte[] TRUE = ",true,".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = ",false,".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NOT_FLAGGED = ",,,,,\n".getBytes(StandardCharsets.US_ASCII);

  private final List<String> header;

  /** For each input column, its position among the features, or -1. */
  private final int[] featureOf;

  private final boolean json;

  BlockFormatter(BatchAnalysis.Columns columns, boolean json) {
    this.header = columns.header();
    this.featureOf = new int[header.size()];
    Arrays.fill(featureOf, -1);
    int[] index = columns.featureIndex();
    for (int i = 0; i < index.length; i++) {
      featureOf[index[i]] = i;
    }
    this.json = json;
  }

  /**
   * @param raw      the input bytes holding the record at {@code [at, at + length)}
   * @param values   the row's feature values
   * @param score    the score to report (the alarm filter's smoothed score)
   * @param v        the explained verdict of a row inside an incident, or null for a row outside any
   * @param incident the row's incident id, 0 for none
   */
  void row(
      long rowIndex,
      byte[] raw,
      int at,
      int length,
      double[] values,
      double score,
      Verdict v,
      Contributions contributions,
      long incident,
      ByteSink csv,
      ByteSink jsonOut)
      throws IOException {
    csv.put(raw, at, length);
    csv.put(v != null ? TRUE : FALSE);
    csv.fixed4(score);
    if (v != null) {
      csv.put((byte) ',')
          .ascii(v.severity().label())
          .put((byte) ',')
          .csvField(v.reason())
          .put((byte) ',')
          .csvField(String.join("; ", v.severityFactors()))
          .put((byte) ',')
          .csvField(contributions.text())
          .put((byte) ',')
          .ascii(Long.toString(incident))
          .put((byte) '\n');
    } else {
      csv.put(NOT_FLAGGED);
    }
    if (json) {
      if (rowIndex > 0) {
        jsonOut.put(ResultJson.ROW_SEPARATOR);
      }
      List<String> cells = Rfc4180.fields(raw, at, length);
      ResultJson.Verdict verdict =
          v == null
              ? ResultJson.Verdict.normal(score)
              : new ResultJson.Verdict(
                  true,
                  score,
                  v.severity().label(),
                  v.reason(),
                  v.severityFactors(),
                  contributions,
                  incident);
      ResultJson.write(
          jsonOut.stream(), g -> ResultJson.row(g, header, featureOf, cells, values, verdict));
    }
  }
}
