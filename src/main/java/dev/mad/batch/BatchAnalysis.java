package dev.mad.batch;

import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectorModel;
import dev.mad.detect.RobustBaseline;
import dev.mad.detect.Severity;
import dev.mad.detect.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.function.DoubleConsumer;

/**
 * Analyses a metrics CSV in two streaming passes: the first validates every row and keeps a
 * uniform sample of at most {@link BatchSettings#MAX_TRAINING_ROWS} rows to train on (or reads
 * the separate training file); the second scores each row with the same {@link AnomalyDetector}
 * as live mode and hands it to a {@link BatchOutput}. Memory does not grow with the file.
 */
public final class BatchAnalysis {
  /** Columns that are never features: the time, and results of an earlier analysis or labels. */
  static final Set<String> NOT_FEATURES = Set.of("timestamp", "is_anomaly", "anomaly_score", "label");
  private static final int TOP = 10;
  /** Rows scored together: the forest walks a block of rows much faster than one row at a time. */
  private static final int BLOCK = 1024;
  /** Regular rows kept for the result chart (flagged rows are kept besides, up to as many). */
  private static final int CHART_POINTS = 2000;

  private final BatchSettings settings;
  private final TimestampParser timestamps = new TimestampParser(ZoneId.systemDefault());

  /** Progress callback: fraction 0..1 of the whole analysis (training pass counts as the first half). */
  private final DoubleConsumer progress;

  /** Where the scoring pass' temporary feature file goes (the logs directory, so a crash leaves it where it is cleaned). */
  private final Path workDir;

  public BatchAnalysis(BatchSettings settings, Path workDir, DoubleConsumer progress) {
    this.settings = settings;
    this.workDir = workDir;
    this.progress = progress;
  }

  BatchResult run(Path file, String name, BatchOutput output) throws IOException, InputDataException {
    long started = System.nanoTime();
    Columns columns;
    try (MetricsCsv csv = MetricsCsv.open(file, name)) {
      if (!csv.next()) {
        throw InputDataException.at(name, 0, null, "has a header but no data rows");
      }
      columns = Columns.resolve(csv, settings.features());
    }
    boolean separateTraining = settings.trainFile() != null;
    Files.createDirectories(workDir);
    Path features = Files.createTempFile(workDir, ".features-", ".tmp");
    try {
      Scan scan;
      double[][] training;
      if (separateTraining) {
        Scan trainScan = scan(settings.trainFile(), settings.trainFile().toString(), columns, null, true, 0, 0.25);
        training = trainScan.sample();
        scan = scan(file, name, columns, features, false, 0.25, 0.5);
      } else {
        scan = scan(file, name, columns, features, true, 0, 0.5);
        training = scan.sample();
      }
      AnomalyDetector detector = new AnomalyDetector(columns.features(), settings.rules(), settings.detector());
      DetectorModel model = DetectorModel.train(training, detector.minSpread(), settings.forest(),
          System.currentTimeMillis(), ForkJoinPool.commonPool());
      return score(file, name, columns, features, scan, training.length, detector, model, output, started);
    } finally {
      Files.deleteIfExists(features);
    }
  }

  /** Result of a validating pass: the row count, the file's hash and, if asked, the training sample. */
  private record Scan(long rows, String sha256, double[][] sample) {
  }

  /**
   * Validating pass: checks every row's timestamp and features, writes the features (and the
   * timestamp in epoch ms) of every row to {@code featuresOut} when given, and keeps a uniform
   * reservoir sample of at most {@link BatchSettings#MAX_TRAINING_ROWS} rows when asked.
   */
  private Scan scan(Path path, String name, Columns wanted, Path featuresOut, boolean sample, double progressFrom,
                    double progressTo) throws IOException, InputDataException {
    int cap = BatchSettings.MAX_TRAINING_ROWS;
    List<double[]> reservoir = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(settings.forest().randomSeed());
    long seen = 0;
    String sha;
    try (MetricsCsv csv = MetricsCsv.open(path, name);
         FeatureFile.Writer out = featuresOut == null ? null : new FeatureFile.Writer(featuresOut)) {
      Columns columns = path.equals(settings.trainFile()) ? Columns.byName(csv, wanted) : wanted;
      if (featuresOut != null && !csv.header().equals(wanted.header())) {
        throw InputDataException.at(name, 1, null, "header changed while it was being analysed");
      }
      int d = columns.featureIndex().length;
      double[] values = new double[d];
      while (csv.next()) {
        long epochMs = parseTimestamp(csv, columns, csv.cell(columns.timestampIndex()));
        columns.read(csv, values);
        if (out != null) {
          out.row(values, epochMs);
        }
        if (sample) {
          if (reservoir.size() < cap) {
            reservoir.add(values.clone());
          } else {
            long slot = random.nextLong(seen + 1);
            if (slot < cap) {
              reservoir.set((int) slot, values.clone());
            }
          }
        }
        seen++;
        if ((seen & 0x3fff) == 0) {
          progress.accept(progressFrom + (progressTo - progressFrom) * csv.progress());
        }
      }
      sha = csv.sha256();
    }
    if (sample && reservoir.size() < 2) {
      throw InputDataException.at(name, 0, null, "has " + reservoir.size() + " data row(s); at least 2 are needed to learn");
    }
    return new Scan(seen, sha, sample ? reservoir.toArray(double[][]::new) : null);
  }

  /** Scoring pass: each raw record with its stored features, scored in blocks, to the output. */
  private BatchResult score(Path file, String name, Columns columns, Path features, Scan scan, int trainingRows,
                            AnomalyDetector detector, DetectorModel model, BatchOutput output, long started)
      throws IOException, InputDataException {
    long rows = 0;
    long anomalies = 0;
    EnumMap<Severity, Long> bySeverity = new EnumMap<>(Severity.class);
    for (Severity s : Severity.values()) {
      bySeverity.put(s, 0L);
    }
    ChartSampler chart = new ChartSampler(CHART_POINTS);
    PriorityQueue<BatchResult.FlaggedRow> top = new PriorityQueue<>(rankOrder().reversed());
    RollingBaseline rolling = settings.windowRows() > 0
        ? new RollingBaseline(settings.windowRows(), detector.minSpread()) : null;
    int d = columns.featureIndex().length;
    output.start(columns.header(), columns.features());
    try (BlockReader reader = new BlockReader(file, features, scan.rows(), BLOCK, d, model)) {
      BlockReader.Block block;
      while ((block = nextBlock(reader, name)) != null) {
        for (int i = 0; i < block.size; i++) {
          double[] values = block.values[i];
          RobustBaseline baseline = rolling != null ? rolling.current() : null;
          Verdict v = detector.evaluate(values, model, baseline, block.scores[i]);
          if (rolling != null) {
            rolling.add(values);
          }
          String contributions = v.anomaly() ? contributionText(columns.features(), v.contributions()) : "";
          output.row(rows, block.records[i], values, v, contributions);
          if (chart.wants(rows, v.anomaly())) {
            chart.add(new ChartSampler.Point(block.epochs[i], rows, values.clone(), v.anomaly(), v.score()));
          }
          if (v.anomaly()) {
            anomalies++;
            bySeverity.merge(v.severity(), 1L, Long::sum);
            String timestamp = RawRecords.split(block.records[i]).get(columns.timestampIndex());
            BatchResult.FlaggedRow flagged = new BatchResult.FlaggedRow(rows, timestamp, v.score(), v.severity(),
                v.reason(), v.severityFactors(), contributions);
            output.flagged(flagged);
            top.add(flagged);
            if (top.size() > TOP) {
              top.poll();
            }
          }
          rows++;
        }
        reader.recycle(block);
        progress.accept(0.5 + 0.5 * rows / scan.rows());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("analysis interrupted", e);
    }
    progress.accept(1.0);
    List<BatchResult.FlaggedRow> ranked = new ArrayList<>(top);
    ranked.sort(rankOrder());
    return new BatchResult(name, scan.sha256(), rows, anomalies, bySeverity, ranked, columns.features(), trainingRows,
        model.threshold(), (System.nanoTime() - started) / 1_000_000, chart.points());
  }

  /** Most urgent first: by severity, then by lower (stranger) score. */
  private static Comparator<BatchResult.FlaggedRow> rankOrder() {
    return Comparator.comparing(BatchResult.FlaggedRow::severity).reversed()
        .thenComparingDouble(BatchResult.FlaggedRow::score);
  }

  private long parseTimestamp(MetricsCsv csv, Columns columns, String text) throws InputDataException {
    try {
      return timestamps.parse(text);
    } catch (IllegalArgumentException e) {
      throw InputDataException.at(csv.name(), csv.line(), csv.header().get(columns.timestampIndex()),
          e.getMessage() + " (expected ISO-8601, 'YYYY-MM-DD HH:MM:SS[.ffffff]' or epoch seconds/milliseconds)");
    }
  }

  /** {@code cpu_percent=85.2;memory_percent=14.8}: shares in %, largest first, zeros left out. */
  static String contributionText(List<String> features, double[] shares) {
    Integer[] order = new Integer[shares.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(shares[b], shares[a]));
    StringBuilder sb = new StringBuilder();
    for (int i : order) {
      long tenths = Math.round(shares[i] * 10);
      if (tenths == 0) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(';');
      }
      sb.append(features.get(i)).append('=').append(tenths / 10).append('.').append(tenths % 10);
    }
    return sb.toString();
  }

  private static BlockReader.Block nextBlock(BlockReader reader, String name) throws IOException, InputDataException {
    try {
      return reader.next();
    } catch (IOException e) {
      throw e;
    } catch (IllegalStateException e) {
      throw InputDataException.at(name, 0, null, e.getMessage());
    } catch (Exception e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** Where the timestamp and the feature columns are, and how to read a row's features. */
  record Columns(int timestampIndex, int[] featureIndex, List<String> features, List<String> header) {

    static Columns resolve(MetricsCsv csv, List<String> requested) throws InputDataException {
      List<String> header = csv.header();
      int ts = indexOf(header, "timestamp");
      List<Integer> idx = new ArrayList<>();
      if (requested != null) {
        for (String f : requested) {
          int i = indexOf(header, f);
          if (i < 0) {
            throw new InputDataException(csv.name() + ": --features names '" + f + "', which is not a column (columns: "
                + MetricsCsv.shorten(String.join(",", header)) + ")");
          }
          if (i == ts) {
            throw new InputDataException(csv.name() + ": --features cannot include the timestamp column");
          }
          idx.add(i);
        }
      } else {
        for (int i = 0; i < header.size(); i++) {
          String column = header.get(i).toLowerCase(Locale.ROOT);
          // The product's own metric names are numeric by definition: text there is an error, not a label column.
          if (!NOT_FEATURES.contains(column)
              && (isNumber(csv.cell(i)) || dev.mad.bus.MetricSample.METRICS.contains(column))) {
            idx.add(i);
          }
        }
        if (idx.isEmpty()) {
          throw InputDataException.at(csv.name(), csv.line(), null,
              "no numeric column to analyse besides the timestamp (the first data row decides which columns are numeric)");
        }
      }
      int[] featureIndex = idx.stream().mapToInt(Integer::intValue).toArray();
      List<String> names = idx.stream().map(header::get).toList();
      return new Columns(ts, featureIndex, names, header);
    }

    /** The same features, located by name in another file (the training file). */
    static Columns byName(MetricsCsv csv, Columns scored) throws InputDataException {
      int ts = indexOf(csv.header(), "timestamp");
      int[] idx = new int[scored.features().size()];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = indexOf(csv.header(), scored.features().get(i));
        if (idx[i] < 0) {
          throw InputDataException.at(csv.name(), 1, scored.features().get(i),
              "training file lacks this column of the analysed file");
        }
      }
      return new Columns(ts, idx, scored.features(), csv.header());
    }

    private static int indexOf(List<String> header, String name) {
      for (int i = 0; i < header.size(); i++) {
        if (header.get(i).equalsIgnoreCase(name)) {
          return i;
        }
      }
      return -1;
    }

    void read(MetricsCsv csv, double[] out) throws InputDataException {
      for (int i = 0; i < featureIndex.length; i++) {
        String text = csv.cell(featureIndex[i]);
        double v;
        try {
          v = FastDouble.parse(text);
        } catch (NumberFormatException e) {
          String problem = text.isBlank() ? "empty value; every analysed cell needs a number"
              : "'" + MetricsCsv.shorten(text) + "' is not a number";
          throw InputDataException.at(csv.name(), csv.line(), features.get(i), problem);
        }
        if (!Double.isFinite(v)) {
          throw InputDataException.at(csv.name(), csv.line(), features.get(i),
              "'" + text + "' is not a finite number (NaN and infinity cannot be analysed)");
        }
        out[i] = v;
      }
    }

    private static boolean isNumber(String text) {
      try {
        return Double.isFinite(Double.parseDouble(text));
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
