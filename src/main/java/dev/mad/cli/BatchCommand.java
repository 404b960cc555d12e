package dev.mad.cli;

import dev.mad.analysis.BatchRunner;
import dev.mad.batch.BatchIncident;
import dev.mad.batch.BatchIncidents;
import dev.mad.batch.BatchResult;
import dev.mad.batch.BatchSettings;
import dev.mad.batch.csv.InputDataException;
import dev.mad.config.ConfigException;
import dev.mad.config.ConfigSchema;
import dev.mad.config.Setting;
import dev.mad.detect.Severity;
import dev.mad.files.IoFailure;
import dev.mad.files.LogsDir;
import dev.mad.logging.LogSetup;
import dev.mad.process.ExitCode;
import dev.mad.process.UsageException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --csv-file} mode: analyse a file, print the summary, exit with 0 (done),
 * 2 (usage), 3 (input data) or 1 (anything else). Errors are one line, never a stack trace.
 */
public final class BatchCommand {

  private BatchCommand() {}

  public static String usageBody() {
    return """
              Analyse historical metrics from a CSV file and exit.
              --output-file O     also write per-row results to O (.csv or .json)
              --contamination C   expected anomaly share, %s
              --sensitivity S     how readily incidents open, %s
                                  (2 = more, 0.5 = fewer)
              --window-size W     rolling z-score window in rows (default: the whole file)
              --train-file T      fit on T, score FILE (default: fit on FILE)
              --features a,b,c    columns to analyse (default: every numeric column)
              Needs a 'timestamp' column and at least one numeric column. Results also go to
              logs/metrics_data.csv and logs/anomaly_history.db. Exit codes: 0 done,
              2 usage error, 3 bad input data, 1 other failure.
        """
        .formatted(range(CONTAMINATION), range(SENSITIVITY));
  }

  private static final Setting CONTAMINATION = ConfigSchema.setting("detect.contamination");
  private static final Setting SENSITIVITY = ConfigSchema.setting("detect.sensitivity");

  private static String range(Setting s) {
    return s.allowed().replace("must be a number ", "")
        + " (default "
        + s.path()
        + ", "
        + s.defaultValue()
        + ")";
  }

  /**
   * Parsed command line.
   *
   * @param contamination null for the configuration's {@code detect.contamination}
   * @param sensitivity   null for the configuration's {@code detect.sensitivity}
   */
  record Options(
      Path csvFile,
      Path outputFile,
      Double contamination,
      int windowRows,
      Path trainFile,
      List<String> features,
      Double sensitivity) {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, null, out, err);
  }

  /** As {@link #run(String[], PrintStream, PrintStream)}, with the logs directory given (tests). */
  static int run(String[] args, Path logsDirOverride, PrintStream out, PrintStream err) {
    Options options;
    JsonObject config;
    try {
      options = parse(args);
      config = ConfigSchema.resolve(new JsonObject(), System.getenv(), Map.of());
    } catch (UsageException | ConfigException e) {
      err.println("error: " + e.getMessage());
      err.println("Run 'java -jar target/server.jar --help' for usage.");
      return ExitCode.USAGE.code();
    }
    Path logsDir =
        logsDirOverride != null
            ? logsDirOverride
            : Path.of(config.getString(ConfigSchema.LOGS_DIR));
    try {
      // the analysis' log, database and latest results go there: find out before the work is done
      Files.createDirectories(logsDir);
      IoFailure.checkWritable(logsDir);
    } catch (IOException e) {
      err.println(
          "error: the logs directory cannot be written ("
              + IoFailure.describe(e)
              + "); set logs_dir (MAD_LOGS_DIR) to a writable directory");
      return ExitCode.USAGE.code();
    }
    try (LogSetup.Pending logFiles = logsDirOverride == null ? LogSetup.batch(logsDir) : null) {
      return analyse(options, config, logsDir, out, err);
    }
  }

  private static int analyse(
      Options options, JsonObject config, Path logsDir, PrintStream out, PrintStream err) {
    BatchSettings settings = settings(options, config.getJsonObject("detect"));
    ProgressBar bar = ProgressBar.forTerminal(err, options.csvFile());
    try {
      BatchRunner.Outcome outcome =
          BatchRunner.run(
              options.csvFile(),
              options.csvFile().toString(),
              settings,
              logsDir,
              config.getJsonObject("analysis").getInteger("keep_analyses"),
              options.outputFile(),
              "cli",
              bar::update);
      bar.done();
      printSummary(out, outcome, options, logsDir);
      return ExitCode.OK.code();
    } catch (InputDataException e) {
      bar.done();
      err.println("error: " + e.getMessage());
      return ExitCode.INPUT_DATA.code();
    } catch (IOException | SQLException | RuntimeException | OutOfMemoryError e) {
      bar.done();
      err.println(
          "error: analysis failed: "
              + (e instanceof IOException ? IoFailure.describe(e) : IoFailure.reason(e)));
      return ExitCode.FAILURE.code();
    }
  }

  static Options parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> known =
        List.of(
            "--csv-file",
            "--output-file",
            "--contamination",
            "--window-size",
            "--train-file",
            "--features",
            "--sensitivity");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      if (!known.contains(arg)) {
        throw new UsageException("unknown option '" + arg + "' for --csv-file analysis");
      }
      if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new UsageException("option " + arg + " needs a value");
        }
        value = args[++i];
      }
      if (values.put(arg, value) != null) {
        throw new UsageException("option " + arg + " is given twice");
      }
    }
    String csv = values.get("--csv-file");
    if (csv == null || csv.isBlank()) {
      throw new UsageException("--csv-file needs a file name");
    }
    Double contamination = decimal(values, "--contamination", CONTAMINATION);
    int window = 0;
    if (values.containsKey("--window-size")) {
      try {
        window = Integer.parseInt(values.get("--window-size"));
      } catch (NumberFormatException e) {
        window = -1;
      }
      if (window < 2 || window > 1_000_000) {
        throw new UsageException(
            "--window-size must be a whole number of rows from 2 to 1000000, got '"
                + values.get("--window-size")
                + "'");
      }
    }
    Path output = null;
    if (values.containsKey("--output-file")) {
      output = Path.of(values.get("--output-file"));
      String lower = output.getFileName().toString().toLowerCase(Locale.ROOT);
      if (!lower.endsWith(".csv") && !lower.endsWith(".json")) {
        throw new UsageException("--output-file must end in .csv or .json, got '" + output + "'");
      }
      Path dir = output.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        throw new UsageException("--output-file directory does not exist: " + dir);
      }
      if (Files.isDirectory(output)) {
        throw new UsageException("--output-file is a directory: " + output);
      }
      if (output.toAbsolutePath().normalize().equals(Path.of(csv).toAbsolutePath().normalize())) {
        throw new UsageException("--output-file must not overwrite the --csv-file being analysed");
      }
      try {
        IoFailure.checkWritable(dir);
      } catch (IOException e) {
        throw new UsageException(
            "--output-file cannot be written in " + dir + ": " + IoFailure.reason(e));
      }
    }
    List<String> features = null;
    if (values.containsKey("--features")) {
      features = new ArrayList<>();
      for (String f : values.get("--features").split(",")) {
        if (!f.isBlank()) {
          features.add(f.strip());
        }
      }
      if (features.isEmpty()) {
        throw new UsageException("--features needs at least one column name");
      }
    }
    Path train = values.containsKey("--train-file") ? Path.of(values.get("--train-file")) : null;
    Double sensitivity = decimal(values, "--sensitivity", SENSITIVITY);
    return new Options(Path.of(csv), output, contamination, window, train, features, sensitivity);
  }

  /** The value of a decimal option, or null when it is not given; refused with its setting's range when bad. */
  private static Double decimal(Map<String, String> values, String option, Setting setting) {
    String text = values.get(option);
    return text == null ? null : (Double) setting.parseOption(option, text);
  }

  static BatchSettings settings(Options o, JsonObject detect) {
    return BatchSettings.of(
        detect, o.contamination(), o.features(), o.windowRows(), o.trainFile(), o.sensitivity());
  }

  private static void printSummary(
      PrintStream out, BatchRunner.Outcome outcome, Options options, Path logsDir) {
    BatchResult r = outcome.result();
    out.println("=== CSV anomaly analysis: " + r.fileName() + " ===");
    out.println("Total records processed: " + r.rows());
    out.println("Anomalies detected: " + r.anomalies());
    out.printf(Locale.ROOT, "Anomaly rate: %.2f%%%n", 100 * r.anomalyRate());
    out.printf(
        Locale.ROOT,
        "By severity: critical %d, high %d, medium %d%n",
        r.bySeverity().get(Severity.CRITICAL),
        r.bySeverity().get(Severity.HIGH),
        r.bySeverity().get(Severity.MEDIUM));
    out.println("Incidents: " + r.incidentCount() + " (runs of rows judged to be one event)");
    out.println("Features: " + String.join(", ", r.features()));
    if (!r.incidents().isEmpty()) {
      out.println();
      List<BatchIncident> shown = BatchIncidents.mostUrgent(r.incidents(), 10);
      out.println(
          shown.size() < r.incidentCount()
              ? "Most urgent " + shown.size() + " of " + r.incidentCount() + " incidents:"
              : "Incidents:");
      for (BatchIncident inc : shown) {
        out.printf(
            Locale.ROOT,
            "  #%d  %s .. %s  (%d rows)  [%s]  peak %s score %.4f  %s%n      %s%n",
            inc.id(),
            inc.started(),
            inc.ended(),
            inc.rows(),
            inc.severity().label(),
            inc.peakTimestamp(),
            inc.peakScore(),
            inc.reason(),
            String.join(", ", inc.severityFactors()));
      }
    }
    if (!r.top().isEmpty()) {
      out.println();
      out.println("Top " + r.top().size() + " anomalies:");
      int rank = 1;
      for (BatchResult.FlaggedRow row : r.top()) {
        out.printf(
            Locale.ROOT,
            "%2d. %s  score %.4f  [%s]  %s%n      %s%n",
            rank++,
            row.timestamp(),
            row.score(),
            row.severity().label(),
            row.reason(),
            String.join(", ", row.severityFactors()));
      }
    }
    out.println();
    if (options.outputFile() != null) {
      out.println("Results written to " + options.outputFile());
    }
    out.println(
        "Per-row results: "
            + logsDir.resolve(LogsDir.LATEST_RESULTS)
            + "; analysis #"
            + outcome.analysisId()
            + " recorded in "
            + logsDir.resolve(LogsDir.HISTORY_DB));
    out.printf(Locale.ROOT, "Analysed in %.2f s%n", r.durationMs() / 1000.0);
  }
}
