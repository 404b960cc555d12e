package dev.mad.batch;

import dev.mad.batch.csv.RawRecords;
import dev.mad.detect.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Formats result rows as bytes: the input record copied as it was read, then the result columns
 * ({@code is_anomaly, anomaly_score, severity, reason, severity_factors, contributions}); and,
 * when asked, the same row as a JSON object. Stateless, so every scoring thread shares one.
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
    java.util.Arrays.fill(featureOf, -1);
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
  void row(long rowIndex, byte[] raw, int at, int length, double[] values, double score, Verdict v,
           String contributions, long incident, ByteSink csv, ByteSink jsonOut) {
    csv.put(raw, at, length);
    csv.put(v != null ? TRUE : FALSE);
    csv.fixed4(score);
    if (v != null) {
      csv.put((byte) ',').ascii(v.severity().label()).put((byte) ',').csvField(v.reason()).put((byte) ',')
          .csvField(String.join("; ", v.severityFactors())).put((byte) ',').csvField(contributions)
          .put((byte) ',').ascii(Long.toString(incident)).put((byte) '\n');
    } else {
      csv.put(NOT_FLAGGED);
    }
    if (json) {
      json(rowIndex, RawRecords.split(new String(raw, at, length, StandardCharsets.UTF_8)), values, score, v,
          contributions, incident, jsonOut);
    }
  }

  private void json(long rowIndex, List<String> record, double[] values, double score, Verdict v,
                    String contributions, long incident, ByteSink out) {
    if (rowIndex > 0) {
      out.put((byte) ',').put((byte) '\n');
    }
    out.put((byte) '{');
    for (int i = 0; i < header.size(); i++) {
      out.jsonString(header.get(i)).put((byte) ':');
      if (featureOf[i] >= 0) {
        out.ascii(Double.toString(values[featureOf[i]]));
      } else {
        out.jsonString(record.get(i));
      }
      out.put((byte) ',');
    }
    out.ascii("\"is_anomaly\":").ascii(v != null ? "true" : "false");
    out.ascii(",\"anomaly_score\":").ascii(Double.isNaN(score) ? "null"
        : Double.toString(Math.round(score * 10000) / 10000.0));
    if (v != null) {
      out.ascii(",\"severity\":").jsonString(v.severity().label());
      out.ascii(",\"reason\":").jsonString(v.reason());
      out.ascii(",\"severity_factors\":[");
      for (int i = 0; i < v.severityFactors().size(); i++) {
        if (i > 0) {
          out.put((byte) ',');
        }
        out.jsonString(v.severityFactors().get(i));
      }
      out.ascii("],\"contributions\":{");
      boolean first = true;
      for (String part : contributions.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          if (!first) {
            out.put((byte) ',');
          }
          first = false;
          out.jsonString(part.substring(0, eq)).put((byte) ':')
              .ascii(Double.toString(Double.parseDouble(part.substring(eq + 1))));
        }
      }
      out.put((byte) '}');
      out.ascii(",\"incident_id\":").ascii(Long.toString(incident));
    } else {
      out.ascii(",\"severity\":null,\"reason\":null,\"severity_factors\":[],\"contributions\":{},\"incident_id\":null");
    }
    out.put((byte) '}');
  }
}
