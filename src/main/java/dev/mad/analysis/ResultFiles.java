package dev.mad.analysis;

import dev.mad.batch.BatchOutput;
import dev.mad.batch.BatchResult;
import dev.mad.batch.ByteSink;
import dev.mad.batch.ResultJson;
import dev.mad.batch.TempFiles;
import dev.mad.batch.csv.Rfc4180;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the per-row results: always {@code metrics_data.csv} in the logs directory, and the
 * user's {@code --output-file} as CSV or JSON by its extension. Everything goes to temp files
 * beside the targets and is renamed into place only when the whole analysis succeeded, so a
 * failure never leaves a partial or corrupt result.
 */
final class ResultFiles implements BatchOutput, AutoCloseable {
  static final List<String> RESULT_COLUMNS =
      List.of(
          "is_anomaly",
          "anomaly_score",
          "severity",
          "reason",
          "severity_factors",
          "contributions",
          "incident_id");

  private final Path latest;
  private final Path output;
  private final Path latestTmp;
  private final Path outputTmp;
  private final boolean json;
  private OutputStream csv;
  private OutputStream jsonOut;
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
    this.json =
        output != null
            && output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
  }

  private static Path tmpBeside(Path target) {
    Path abs = target.toAbsolutePath();
    return abs.resolveSibling(
        "." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
  }

  @Override
  public void start(List<String> inputHeader, List<String> features) throws IOException {
    Files.createDirectories(latest.toAbsolutePath().getParent());
    List<String> all = new ArrayList<>(inputHeader);
    all.addAll(RESULT_COLUMNS);
    TempFiles.track(latestTmp);
    csv = Files.newOutputStream(latestTmp);
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < all.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append(Rfc4180.escape(all.get(i)));
    }
    csv.write(line.append('\n').toString().getBytes(StandardCharsets.UTF_8));
    if (json) {
      TempFiles.track(outputTmp);
      jsonOut = Files.newOutputStream(outputTmp);
      jsonOut.write(ResultJson.head());
    }
  }

  @Override
  public boolean wantsJson() {
    return json;
  }

  @Override
  public void block(ByteSink rows, ByteSink jsonRows) throws IOException {
    csv.write(rows.array(), 0, rows.size());
    if (jsonOut != null) {
      jsonOut.write(jsonRows.array(), 0, jsonRows.size());
    }
  }

  @Override
  public void flagged(BatchResult.FlaggedRow row) {
    // Flagged rows go to the history database, not to these files.
  }

  /** Finishes the files and renames them into place; {@code result} gives the JSON output its incidents and totals. */
  void commit(BatchResult result) throws IOException {
    csv.close();
    if (jsonOut != null) {
      jsonOut.write(
          ResultJson.tail(
              result.incidents(), result.rows(), result.anomalies(), result.incidentCount()));
      jsonOut.close();
      jsonOut = null;
    }
    if (output != null && !json) {
      TempFiles.track(outputTmp);
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
    TempFiles.untrack(from);
  }

  /** Removes the temp files unless committed. */
  @Override
  public void close() {
    try {
      if (csv != null && !committed) {
        csv.close();
      }
      if (jsonOut != null) {
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
      TempFiles.untrack(p);
    } catch (IOException e) {
      // nothing more to do; the name is unique to this process
    }
  }
}
