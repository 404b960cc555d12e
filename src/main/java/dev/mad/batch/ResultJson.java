package dev.mad.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one JSON form of an analysis' results, written with Jackson's streaming generator by the
 * command line's {@code --output-file x.json}, the dashboard's JSON download and the history API:
 *
 * <pre>
 * {"schema_version": 3,
 *  "rows": [{input columns..., "is_anomaly", "anomaly_score", "severity", "reason",
 *            "severity_factors": [...], "contributions": {...}, "incident_id"}, ...],
 *  "incidents": [{"id", "started", "ended", "first_row", "last_row", "rows", "severity", "reason",
 *                 "peak", "peak_row", "peak_score", "severity_factors": [...], "contributions": {...}}, ...],
 *  "summary": {"rows", "anomalies", "incidents"}}
 * </pre>
 *
 * Input columns that were analysed are numbers, the others strings as read; a row outside every
 * incident has null severity, reason and incident_id, no factors and no contributions. Schema 3
 * made the incidents' contributions an object (2 had text there; 1 was a bare array of rows).
 */
public final class ResultJson {
  public static final int SCHEMA_VERSION = 3;

  /** Thread-safe; generators made from it leave the stream they write to open. */
  public static final JsonFactory FACTORY =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private ResultJson() {}

  /** Something that writes one JSON value. */
  @FunctionalInterface
  public interface Value {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * One row's verdict.
   *
   * @param score      the reported score (NaN: none)
   * @param severity   null outside an incident
   * @param incidentId 0 outside an incident
   */
  public record Verdict(
      boolean anomaly,
      double score,
      String severity,
      String reason,
      List<String> factors,
      Contributions contributions,
      long incidentId) {
    public static Verdict normal(double score) {
      return new Verdict(false, score, null, null, List.of(), Contributions.NONE, 0);
    }
  }

  /** The score as every output reports it: four decimals, rounded half away from zero. */
  public static double score4(double score) {
    return Math.copySign(Math.round(Math.abs(score) * 10_000) / 10_000.0, score);
  }

  /** Writes one value to {@code out} (which stays open). */
  public static void write(OutputStream out, Value value) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      value.write(g);
    }
  }

  /** One value as text. */
  public static String text(Value value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      write(out, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The document up to its first row. */
  public static byte[] head() {
    return ("{\"schema_version\":" + SCHEMA_VERSION + ",\"rows\":[\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** What separates two rows. */
  public static final byte[] ROW_SEPARATOR = ",\n".getBytes(StandardCharsets.US_ASCII);

  /** The document after its last row: the incidents and the totals. */
  public static byte[] tail(
      List<BatchIncident> incidents, long rows, long anomalies, long incidentCount) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 512 * incidents.size());
    try {
      out.write("\n],\"incidents\":[".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < incidents.size(); i++) {
        out.write((i > 0 ? ",\n" : "\n").getBytes(StandardCharsets.US_ASCII));
        BatchIncident inc = incidents.get(i);
        write(out, g -> incident(g, inc));
      }
      out.write("\n],\"summary\":".getBytes(StandardCharsets.US_ASCII));
      write(
          out,
          g -> {
            g.writeStartObject();
            g.writeNumberField("rows", rows);
            g.writeNumberField("anomalies", anomalies);
            g.writeNumberField("incidents", incidentCount);
            g.writeEndObject();
          });
      out.write("}\n".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * One row.
   *
   * @param header    the input's columns
   * @param featureOf for each input column its index among the analysed features, or -1
   * @param cells     the row's input fields as read
   * @param values    its analysed features' values
   */
  public static void row(
      JsonGenerator g,
      List<String> header,
      int[] featureOf,
      List<String> cells,
      double[] values,
      Verdict v)
      throws IOException {
    g.writeStartObject();
    for (int i = 0; i < header.size(); i++) {
      g.writeFieldName(header.get(i));
      if (featureOf[i] >= 0) {
        g.writeNumber(values[featureOf[i]]);
      } else {
        g.writeString(i < cells.size() ? cells.get(i) : "");
      }
    }
    g.writeBooleanField("is_anomaly", v.anomaly());
    g.writeFieldName("anomaly_score");
    if (Double.isNaN(v.score())) {
      g.writeNull();
    } else {
      g.writeNumber(score4(v.score()));
    }
    nullableString(g, "severity", v.severity());
    nullableString(g, "reason", v.reason());
    strings(g, "severity_factors", v.factors());
    g.writeFieldName("contributions");
    v.contributions().write(g);
    g.writeFieldName("incident_id");
    if (v.incidentId() > 0) {
      g.writeNumber(v.incidentId());
    } else {
      g.writeNull();
    }
    g.writeEndObject();
  }

  /** One incident. */
  public static void incident(JsonGenerator g, BatchIncident inc) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", inc.id());
    g.writeStringField("started", inc.started());
    g.writeStringField("ended", inc.ended());
    g.writeNumberField("first_row", inc.firstRow());
    g.writeNumberField("last_row", inc.lastRow());
    g.writeNumberField("rows", inc.rows());
    g.writeStringField("severity", inc.severity().label());
    g.writeStringField("reason", inc.reason());
    g.writeStringField("peak", inc.peakTimestamp());
    g.writeNumberField("peak_row", inc.peakRow());
    g.writeNumberField("peak_score", score4(inc.peakScore()));
    strings(g, "severity_factors", inc.severityFactors());
    g.writeFieldName("contributions");
    inc.contributions().write(g);
    g.writeEndObject();
  }

  /** A list of texts as a JSON array field. */
  public static void strings(JsonGenerator g, String field, List<String> texts) throws IOException {
    g.writeFieldName(field);
    strings(g, texts);
  }

  /** A list of texts as a JSON array. */
  public static void strings(JsonGenerator g, List<String> texts) throws IOException {
    g.writeStartArray();
    for (String t : texts) {
      g.writeString(t);
    }
    g.writeEndArray();
  }

  /** Reads a JSON array of texts. */
  public static List<String> parseStrings(String json) throws IOException {
    List<String> out = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IOException("not a JSON array of texts: " + json);
      }
      while (p.nextToken() == JsonToken.VALUE_STRING) {
        out.add(p.getText());
      }
    }
    return out;
  }

  private static void nullableString(JsonGenerator g, String field, String value)
      throws IOException {
    if (value == null) {
      g.writeNullField(field);
    } else {
      g.writeStringField(field, value);
    }
  }
}
