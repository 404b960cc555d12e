package dev.mad.analysis;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.mad.batch.Contributions;
import dev.mad.batch.ResultJson;
import dev.mad.batch.csv.Rfc4180;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.List;

/**
 * Writes a stored analysis as the JSON document of {@link ResultJson}, once, streaming, for the
 * JSON download: the rows and scores from its results CSV, the flagged rows' explanations and the
 * incidents from the history database (so nothing is parsed back from the CSV's text forms). The
 * same file analysed on the command line with {@code --output-file x.json} gives the same document.
 */
final class ResultsJson {
  private ResultsJson() {}

  /** The JSON download of analysis {@code id}, written to {@code json} unless it already exists. */
  static Path ensure(Path csv, Path json, AnalysisHistory history, long id)
      throws IOException, SQLException {
    if (Files.exists(json)) {
      return json;
    }
    var analysis = history.analysis(id);
    if (analysis == null) {
      throw new IOException("analysis #" + id + " is not in the history");
    }
    List<String> features = ResultJson.parseStrings((String) analysis.get("features"));
    Path tmp = json.resolveSibling("." + json.getFileName() + ".tmp");
    try (FileChannel in = FileChannel.open(csv, StandardOpenOption.READ);
        OutputStream out = Files.newOutputStream(tmp)) {
      Rfc4180.Scanner reader = new Rfc4180.Scanner(in, 0, Long.MAX_VALUE, 1 << 16);
      if (!reader.next()) {
        throw new IOException(csv + " is empty");
      }
      List<String> all = reader.fields();
      Rows rows =
          new Rows(
              reader,
              all.subList(0, all.size() - ResultFiles.RESULT_COLUMNS.size()),
              features,
              out);
      out.write(ResultJson.head());
      history.eachFlagged(
          id,
          (rowIndex, severity, reason, factors, contributions) -> {
            while (rows.next < rowIndex) {
              rows.write(null, null, List.of(), Contributions.NONE);
            }
            rows.write(severity, reason, factors, contributions);
          });
      while (rows.write(null, null, List.of(), Contributions.NONE)) {
        // the rows after the last flagged one
      }
      out.write(
          ResultJson.tail(
              history.incidents(id),
              ((Number) analysis.get("rows")).longValue(),
              ((Number) analysis.get("anomalies")).longValue(),
              ((Number) analysis.get("incidents")).longValue()));
    } catch (Rfc4180.FormatException e) {
      Files.deleteIfExists(tmp);
      throw new IOException(csv + " line " + e.line + ": " + e.getMessage(), e);
    } catch (IOException | SQLException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, json, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return json;
  }

  /** The results CSV's rows, read one at a time and written as JSON rows. */
  private static final class Rows {
    final Rfc4180.Scanner reader;
    final List<String> header;
    final int[] featureOf;
    final double[] values;
    final OutputStream out;
    long next;

    Rows(Rfc4180.Scanner reader, List<String> header, List<String> features, OutputStream out) {
      this.reader = reader;
      this.header = header;
      this.out = out;
      this.featureOf = new int[header.size()];
      for (int i = 0; i < header.size(); i++) {
        featureOf[i] = features.indexOf(header.get(i));
      }
      this.values = new double[features.size()];
    }

    /** Writes the next row with these explanations (null severity: not flagged); false at the end. */
    boolean write(String severity, String reason, List<String> factors, Contributions contributions)
        throws IOException {
      try {
        if (!reader.next()) {
          return false;
        }
      } catch (Rfc4180.FormatException e) {
        throw new IOException("results line " + e.line + ": " + e.getMessage(), e);
      }
      List<String> cells = reader.fields();
      int n = header.size();
      for (int i = 0; i < n; i++) {
        if (featureOf[i] >= 0) {
          values[featureOf[i]] = Double.parseDouble(cells.get(i));
        }
      }
      String scoreText = cells.get(n + 1);
      double score = scoreText.isEmpty() ? Double.NaN : Double.parseDouble(scoreText);
      boolean flagged = Boolean.parseBoolean(cells.get(n));
      String incidentText = cells.get(n + 6);
      long incident = incidentText.isEmpty() ? 0 : Long.parseLong(incidentText);
      ResultJson.Verdict v =
          flagged && severity != null
              ? new ResultJson.Verdict(
                  true, score, severity, reason, factors, contributions, incident)
              : ResultJson.Verdict.normal(score);
      if (next > 0) {
        out.write(ResultJson.ROW_SEPARATOR);
      }
      List<String> input = cells.subList(0, n);
      ResultJson.write(
          out, (JsonGenerator g) -> ResultJson.row(g, header, featureOf, input, values, v));
      next++;
      return true;
    }
  }
}
