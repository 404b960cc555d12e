package dev.mad.batch;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.mad.detect.Verdict;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes the per-row results: always {@code metrics_data.csv} in the logs directory, and the
 * user's {@code --output-file} as CSV or JSON by its extension. Everything goes to temp files
 * beside the targets and is renamed into place only when the whole analysis succeeded, so a
 * failure never leaves a partial or corrupt result.
 */
final class ResultFiles implements BatchOutput, AutoCloseable {
  static final List<String> RESULT_COLUMNS =
      List.of("is_anomaly", "anomaly_score", "severity", "reason", "severity_factors", "contributions");

  private final Path latest;
  private final Path output;
  private final Path latestTmp;
  private final Path outputTmp;
  private final boolean json;
  private BufferedWriter csv;
  private JsonGenerator jsonOut;
  private List<String> header;
  private Set<Integer> numericColumns;
  private boolean committed;

  /**
   * @param latest the logs directory's {@code metrics_data.csv}
   * @param output the user's output file, or null
   */
  ResultFiles(Path latest, Path output) {
    this.latest = latest;
    this.output = output;
    this.latestTmp = tmpBeside(latest);
    this.outputTmp = output == null ? null : tmpBeside(output);
    this.json = output != null && output.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json");
  }

  private static Path tmpBeside(Path target) {
    Path abs = target.toAbsolutePath();
    return abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
  }

  @Override
  public void start(List<String> inputHeader, List<String> features) throws IOException {
    this.header = inputHeader;
    this.numericColumns = new HashSet<>();
    for (String f : features) {
      numericColumns.add(inputHeader.indexOf(f));
    }
    Files.createDirectories(latest.toAbsolutePath().getParent());
    List<String> all = new ArrayList<>(inputHeader);
    all.addAll(RESULT_COLUMNS);
    csv = new BufferedWriter(Files.newBufferedWriter(latestTmp, StandardCharsets.UTF_8), 1 << 16);
    for (int i = 0; i < all.size(); i++) {
      if (i > 0) {
        csv.write(',');
      }
      csv.write(escape(all.get(i)));
    }
    csv.write('\n');
    if (json) {
      jsonOut = new JsonFactory().createGenerator(Files.newOutputStream(outputTmp), JsonEncoding.UTF8);
      jsonOut.writeStartArray();
    }
  }

  @Override
  public void row(long rowIndex, String record, double[] values, Verdict v, String contributions) throws IOException {
    // The input record is copied as it was read; only the result columns are formatted here.
    csv.write(record);
    csv.write(v.anomaly() ? ",true," : ",false,");
    csv.write(Decimals.fixed4(v.score()));
    if (v.anomaly()) {
      csv.write(',');
      csv.write(v.severity().label());
      csv.write(',');
      csv.write(escape(v.reason()));
      csv.write(',');
      csv.write(escape(String.join("; ", v.severityFactors())));
      csv.write(',');
      csv.write(escape(contributions));
      csv.write('\n');
    } else {
      csv.write(",,,,\n");
    }
    if (jsonOut != null) {
      writeJson(RawRecords.split(record), v, contributions);
    }
  }

  static String escape(String field) {
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return '"' + field.replace("\"", "\"\"") + '"';
      }
    }
    return field;
  }

  private void writeJson(List<String> record, Verdict v, String contributions) throws IOException {
    jsonOut.writeStartObject();
    for (int i = 0; i < header.size(); i++) {
      String cell = record.get(i);
      if (numericColumns.contains(i)) {
        jsonOut.writeNumberField(header.get(i), Double.parseDouble(cell));
      } else {
        jsonOut.writeStringField(header.get(i), cell);
      }
    }
    jsonOut.writeBooleanField("is_anomaly", v.anomaly());
    jsonOut.writeNumberField("anomaly_score", Math.round(v.score() * 10000) / 10000.0);
    if (v.anomaly()) {
      jsonOut.writeStringField("severity", v.severity().label());
      jsonOut.writeStringField("reason", v.reason());
      jsonOut.writeArrayFieldStart("severity_factors");
      for (String f : v.severityFactors()) {
        jsonOut.writeString(f);
      }
      jsonOut.writeEndArray();
      jsonOut.writeObjectFieldStart("contributions");
      for (String part : contributions.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          jsonOut.writeNumberField(part.substring(0, eq), Double.parseDouble(part.substring(eq + 1)));
        }
      }
      jsonOut.writeEndObject();
    } else {
      jsonOut.writeNullField("severity");
      jsonOut.writeNullField("reason");
      jsonOut.writeArrayFieldStart("severity_factors");
      jsonOut.writeEndArray();
      jsonOut.writeObjectFieldStart("contributions");
      jsonOut.writeEndObject();
    }
    jsonOut.writeEndObject();
  }

  @Override
  public void flagged(BatchResult.FlaggedRow row) {
    // Flagged rows go to the history database, not to these files.
  }

  /** Finishes the files and renames them into place. */
  void commit() throws IOException {
    csv.close();
    if (jsonOut != null) {
      jsonOut.writeEndArray();
      jsonOut.close();
    }
    if (output != null && !json) {
      Files.copy(latestTmp, outputTmp, StandardCopyOption.REPLACE_EXISTING);
    }
    if (output != null) {
      move(outputTmp, output);
    }
    move(latestTmp, latest);
    committed = true;
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Removes the temp files unless committed. */
  @Override
  public void close() {
    try {
      if (csv != null && !committed) {
        csv.close();
      }
      if (jsonOut != null && !jsonOut.isClosed()) {
        jsonOut.close();
      }
    } catch (IOException e) {
      // the temp files are deleted below either way
    }
    if (!committed) {
      deleteQuietly(latestTmp);
      if (outputTmp != null) {
        deleteQuietly(outputTmp);
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // nothing more to do; the name is unique to this process
    }
  }
}
