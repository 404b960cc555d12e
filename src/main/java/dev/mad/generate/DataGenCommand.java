package dev.mad.generate;

import dev.mad.process.ExitCode;
import dev.mad.process.UsageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code datagen} command: parses its options, then writes the metrics and labels files through temporary
 * files renamed into place, so a failed or interrupted run never leaves a partial data set behind.
 */
public final class DataGenCommand {

  private static final String ROWS = "--rows";
  private static final String OUTPUT = "--output";
  private static final String SEED = "--seed";
  private static final String ANOMALY_RATE = "--anomaly-rate";
  private static final String INTERVAL_SECONDS = "--interval-seconds";
  private static final String LABELS_FILE = "--labels-file";
  private static final String DAILY_JOBS = "--daily-jobs";
  private static final List<String> OPTIONS =
      List.of(ROWS, OUTPUT, SEED, ANOMALY_RATE, INTERVAL_SECONDS, LABELS_FILE, DAILY_JOBS);
  private static final String MESSAGE_PREFIX = "datagen: ";
  private static final int WRITE_BUFFER_CHARS = 1 << 16;

  private DataGenCommand() {}

  /** Lets the generator run without the server's launcher, e.g. {@code java -cp target/classes}. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  public static String usage() {
    return """
                Usage: java -jar target/server.jar datagen --rows N --output FILE [options]

                Writes a synthetic host-metrics CSV (the seed's columns, one row per interval) with a
                realistic daily cycle and labelled anomaly episodes: cpu_spike, memory_leak, disk_burst,
                network_flood, resource_contention. The same options always give byte-identical files.

                Options:
                  --rows N                 data rows to write (required, at least 1)
                  --output FILE            metrics CSV to write (required; its directory must exist)
                  --seed S                 random seed, a whole number (default 42)
                  --anomaly-rate R         fraction of rows inside anomaly episodes, 0 to 0.5 (default 0.05)
                  --interval-seconds I     seconds between rows, greater than 0, fractions allowed (default 60)
                  --labels-file FILE       labels CSV: row_index,label,anomaly_type
                                           (default: FILE with .csv replaced by .labels.csv)
                  --daily-jobs J           jobs that run every day, normal behaviour (labelled 0):
                                           HH:MM,MINUTES,CPU[;...], e.g. 06:00,10,70 (CPU at least
                                           70 % for 10 minutes from 06:00); at most 24
                  -h, --help               print this help and exit
                """;
  }

  /**
   * Runs the command with the arguments that followed {@code datagen}.
   *
   * @return the exit code: OK, USAGE for a bad argument, or FAILURE when writing failed ({@link ExitCode})
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      out.print(usage());
      return ExitCode.OK.code();
    }
    DataGenRequest request;
    try {
      request = parse(args);
    } catch (UsageException e) {
      err.println(MESSAGE_PREFIX + e.getMessage() + " (see datagen --help)");
      return ExitCode.USAGE.code();
    }
    try {
      GenerationSummary summary = writeAtomically(request);
      out.println(
          String.format(
              Locale.ROOT,
              "Wrote %d rows (%d anomalous, %.2f%%) to %s and %s",
              summary.rows(),
              summary.anomalousRows(),
              100 * summary.anomalousFraction(),
              request.output(),
              request.labels()));
      return ExitCode.OK.code();
    } catch (IOException e) {
      err.println(MESSAGE_PREFIX + "could not write " + request.output() + ": " + describe(e));
      return ExitCode.FAILURE.code();
    }
  }

  /** Everything one run needs, validated. */
  record DataGenRequest(long rows, Path output, Path labels, GeneratorSettings settings) {}

  static DataGenRequest parse(String[] args) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument \"" + arg + "\"");
      }
      int equals = arg.indexOf('=');
      String option = equals < 0 ? arg : arg.substring(0, equals);
      if (!OPTIONS.contains(option)) {
        throw new UsageException("unknown option " + option);
      }
      if (values.containsKey(option)) {
        throw new UsageException(option + " is given more than once");
      }
      String value;
      if (equals >= 0) {
        value = arg.substring(equals + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        value = "";
      }
      if (value.isEmpty()) {
        throw new UsageException(option + " needs a value");
      }
      values.put(option, value);
    }

    long rows = parseWholeNumber(ROWS, required(values, ROWS));
    if (rows <= 0) {
      throw new UsageException(ROWS + " must be at least 1, got " + rows);
    }
    Path output = parsePath(OUTPUT, required(values, OUTPUT));
    long seed =
        values.containsKey(SEED)
            ? parseWholeNumber(SEED, values.get(SEED))
            : GeneratorSettings.DEFAULT_SEED;
    double anomalyRate =
        values.containsKey(ANOMALY_RATE)
            ? parseAnomalyRate(values.get(ANOMALY_RATE))
            : GeneratorSettings.DEFAULT_ANOMALY_RATE;
    Duration interval =
        values.containsKey(INTERVAL_SECONDS)
            ? parseInterval(values.get(INTERVAL_SECONDS))
            : GeneratorSettings.DEFAULT_INTERVAL;
    Path labels =
        values.containsKey(LABELS_FILE)
            ? parsePath(LABELS_FILE, values.get(LABELS_FILE))
            : defaultLabelsPath(output);

    requireWritableTarget(OUTPUT, output);
    requireWritableTarget(LABELS_FILE, labels);
    if (output.toAbsolutePath().normalize().equals(labels.toAbsolutePath().normalize())) {
      throw new UsageException(LABELS_FILE + " must not be the same file as " + OUTPUT);
    }

    GeneratorSettings settings = GeneratorSettings.of(seed, anomalyRate, interval);
    if (values.containsKey(DAILY_JOBS)) {
      try {
        settings = settings.withDailyJobs(DailyJob.parseAll(values.get(DAILY_JOBS)));
      } catch (IllegalArgumentException e) {
        throw new UsageException(DAILY_JOBS + ": " + e.getMessage());
      }
    }
    try {
      new MetricsGenerator(settings).requireRowsFit(rows);
    } catch (IllegalArgumentException e) {
      throw new UsageException(ROWS + " x " + INTERVAL_SECONDS + " is too long: " + e.getMessage());
    }
    return new DataGenRequest(rows, output, labels, settings);
  }

  static Path defaultLabelsPath(Path output) {
    String name = output.getFileName().toString();
    String stem =
        name.toLowerCase(Locale.ROOT).endsWith(".csv")
            ? name.substring(0, name.length() - 4)
            : name;
    return output.resolveSibling(stem + ".labels.csv");
  }

  private static String required(Map<String, String> values, String option) {
    String value = values.get(option);
    if (value == null) {
      throw new UsageException(option + " is required");
    }
    return value;
  }

  private static long parseWholeNumber(String option, String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a whole number, got \"" + text + "\"");
    }
  }

  private static BigDecimal parseDecimal(String option, String text) {
    try {
      // BigDecimal, unlike Double.parseDouble, refuses NaN, Infinity and suffixes such as "1d".
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a number, got \"" + text + "\"");
    }
  }

  private static double parseAnomalyRate(String text) {
    BigDecimal rate = parseDecimal(ANOMALY_RATE, text);
    if (rate.signum() < 0
        || rate.compareTo(BigDecimal.valueOf(GeneratorSettings.MAX_ANOMALY_RATE)) > 0) {
      throw new UsageException(
          ANOMALY_RATE
              + " must be between 0 and "
              + GeneratorSettings.MAX_ANOMALY_RATE
              + ", got "
              + text);
    }
    return rate.doubleValue();
  }

  private static Duration parseInterval(String text) {
    BigDecimal seconds = parseDecimal(INTERVAL_SECONDS, text);
    if (seconds.signum() <= 0) {
      throw new UsageException(INTERVAL_SECONDS + " must be greater than 0, got " + text);
    }
    try {
      long micros = seconds.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
      if (micros == 0) {
        throw new UsageException(INTERVAL_SECONDS + " must be at least 0.000001, got " + text);
      }
      return Duration.of(micros, ChronoUnit.MICROS);
    } catch (ArithmeticException e) {
      throw new UsageException(INTERVAL_SECONDS + " is too large, got " + text);
    }
  }

  private static Path parsePath(String option, String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new UsageException(option + " is not a valid path: " + e.getReason());
    }
  }

  private static void requireWritableTarget(String option, Path target) {
    if (Files.isDirectory(target)) {
      throw new UsageException(option + " is a directory: " + target);
    }
    Path directory = target.toAbsolutePath().getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      throw new UsageException(option + " directory does not exist: " + directory);
    }
    if (!Files.isWritable(directory)) {
      throw new UsageException(option + " directory is not writable: " + directory);
    }
    if (Files.exists(target) && !Files.isWritable(target)) {
      throw new UsageException(option + " file exists and is read-only: " + target);
    }
  }

  private static GenerationSummary writeAtomically(DataGenRequest request) throws IOException {
    Path metricsTemp = null;
    Path labelsTemp = null;
    try {
      metricsTemp = createSiblingTemp(request.output());
      labelsTemp = createSiblingTemp(request.labels());
      GenerationSummary summary;
      try (Writer metrics = openForWriting(metricsTemp);
          Writer labels = openForWriting(labelsTemp)) {
        summary = new MetricsGenerator(request.settings()).write(request.rows(), metrics, labels);
      }
      moveIntoPlace(labelsTemp, request.labels());
      try {
        moveIntoPlace(metricsTemp, request.output());
      } catch (IOException e) {
        // Labels without their data set would mislead whoever finds them.
        deleteQuietly(request.labels(), e);
        throw e;
      }
      return summary;
    } finally {
      deleteQuietly(metricsTemp, null);
      deleteQuietly(labelsTemp, null);
    }
  }

  /** Created beside the target so the final rename stays within one file system and is atomic. */
  private static Path createSiblingTemp(Path target) throws IOException {
    Path directory = target.toAbsolutePath().getParent();
    String base = "." + target.getFileName() + "." + ProcessHandle.current().pid();
    for (int attempt = 0; ; attempt++) {
      Path candidate = directory.resolve(base + (attempt == 0 ? "" : "-" + attempt) + ".tmp");
      try {
        Files.createFile(candidate);
        // Covers Ctrl-C during a long run; a no-op once the file has been renamed.
        candidate.toFile().deleteOnExit();
        return candidate;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
  }

  private static Writer openForWriting(Path file) throws IOException {
    return new BufferedWriter(
        new OutputStreamWriter(
            Files.newOutputStream(
                file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
            StandardCharsets.UTF_8),
        WRITE_BUFFER_CHARS);
  }

  private static void moveIntoPlace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path file, IOException failure) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      }
    }
  }

  private static String describe(IOException e) {
    String detail = e.getMessage();
    return detail == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + " " + detail;
  }
}
