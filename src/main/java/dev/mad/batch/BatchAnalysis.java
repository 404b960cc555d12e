package dev.mad.batch;

import dev.mad.batch.csv.InputDataException;
import dev.mad.batch.csv.MetricsCsv;
import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectorModel;
import dev.mad.detect.MetricCatalog;
import dev.mad.detect.RandomSubset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.DoubleConsumer;

/**
 * Analyses a metrics CSV in two streaming passes on all cores. The validating pass ({@link ScanPass})
 * reads the file in parts at once, checks every row and stores each row's features with the
 * position of its raw record ({@link FeatureStore}); the model is trained on all rows or a uniform
 * sample of {@link BatchSettings#MAX_TRAINING_ROWS} (or on the separate training file). Two scoring
 * passes over the stored rows follow, each on every thread ({@link ScorePass}) with the same
 * {@link AnomalyDetector} as live mode: the alarm pass ({@link AlarmPass}) judges the rows and decides
 * incidents, the output pass ({@link OutputPass}) explains and formats them and hands them to a
 * {@link BatchOutput} in file order. This class only orchestrates. Memory does not grow with the file.
 */
public final class BatchAnalysis {
  /** Columns that are never features: the time, and results of an earlier analysis or labels. */
  static final Set<String> NOT_FEATURES =
      Set.of("timestamp", "is_anomaly", "anomaly_score", "label");

  /** Rows scored, explained and formatted together by one thread. */
  static final int BLOCK = 4096;

  private final BatchSettings settings;

  /** Progress callback: fraction 0..1 of the whole analysis (the validating pass counts as the first half). */
  private final DoubleConsumer progress;

  /** Where the temporary feature files go (the logs directory, so a crash leaves them where they are cleaned). */
  private final Path workDir;

  private final int threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));

  public BatchAnalysis(BatchSettings settings, Path workDir, DoubleConsumer progress) {
    this.settings = settings;
    this.workDir = workDir;
    this.progress = progress;
  }

  public BatchResult run(Path file, String name, BatchOutput output)
      throws IOException, InputDataException {
    long started = System.nanoTime();
    Columns columns;
    try (MetricsCsv csv = MetricsCsv.open(file, name)) {
      if (!csv.next()) {
        throw InputDataException.at(name, 0, null, "has a header but no data rows");
      }
      columns = Columns.resolve(csv, settings.features());
    }
    Files.createDirectories(workDir);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads + 1,
            r -> {
              Thread t = new Thread(r, "mad-batch");
              t.setDaemon(true);
              return t;
            });
    try {
      double[][] training = null;
      double scanFrom = 0;
      if (settings.trainFile() != null) {
        Path trainFile = settings.trainFile();
        Columns trainColumns;
        try (MetricsCsv csv = MetricsCsv.open(trainFile, trainFile.toString())) {
          trainColumns = Columns.byName(csv, columns);
        }
        ScanPass.Result trained =
            new ScanPass(trainFile, trainFile.toString(), trainColumns, workDir, pool, threads)
                .run(f -> progress.accept(0.25 * f));
        try (FeatureStore store = trained.store()) {
          training = sample(store, trainFile.toString());
        }
        scanFrom = 0.25;
      }
      double from = scanFrom;
      ScanPass.Result scan =
          new ScanPass(file, name, columns, workDir, pool, threads)
              .run(f -> progress.accept(from + (0.5 - from) * f));
      try (FeatureStore store = scan.store()) {
        // A separate training file is the analysed file's recent past; a file trained on itself has
        // none.
        double[][] past = training;
        if (training == null) {
          training = sample(store, name);
        }
        AnomalyDetector detector =
            new AnomalyDetector(columns.features(), settings.rules(), settings.detector());
        DetectorModel model =
            DetectorModel.train(
                training,
                detector.minSpread(),
                settings.forest(),
                System.currentTimeMillis(),
                pool);
        return score(
            file,
            name,
            columns,
            store,
            scan,
            training.length,
            past,
            detector,
            model,
            output,
            pool,
            started);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The rows to train on: all of them, or a uniform sample of {@link BatchSettings#MAX_TRAINING_ROWS}
   * drawn with the forest's seed (so the same file always gives the same model).
   */
  private double[][] sample(FeatureStore store, String name)
      throws IOException, InputDataException {
    long n = store.rows();
    int cap = BatchSettings.MAX_TRAINING_ROWS;
    if (n < 2) {
      throw InputDataException.at(
          name, 0, null, "has " + n + " data row(s); at least 2 are needed to learn");
    }
    // Each subset of the rows equally likely; drawn with nextLong, as always, so a seed keeps its
    // rows.
    SplittableRandom random = new SplittableRandom(settings.forest().randomSeed());
    long[] picked = RandomSubset.indices(n, (int) Math.min(n, cap), random::nextLong);
    Arrays.sort(picked);
    int d = store.dimensions();
    double[][] rows = new double[picked.length][];
    FeatureStore.Rows buf = new FeatureStore.Rows(BLOCK, d);
    int i = 0;
    while (i < picked.length) {
      // read runs of consecutive rows together
      int run = 1;
      while (i + run < picked.length && run < BLOCK && picked[i + run] == picked[i] + run) {
        run++;
      }
      store.read(picked[i], run, buf);
      for (int k = 0; k < run; k++) {
        rows[i + k] = buf.values[k].clone();
      }
      i += run;
    }
    return rows;
  }

  /**
   * Scoring, in two passes over the stored rows: the alarm pass ({@link AlarmPass}) judges them and
   * decides incidents, the output pass ({@link OutputPass}) explains and writes them.
   */
  private BatchResult score(
      Path file,
      String name,
      Columns columns,
      FeatureStore store,
      ScanPass.Result scan,
      int trainingRows,
      double[][] past,
      AnomalyDetector detector,
      DetectorModel model,
      BatchOutput output,
      ExecutorService pool,
      long started)
      throws IOException, InputDataException {
    // A rolling baseline depends on the rows before: one thread then takes the blocks in order.
    boolean rolling = settings.windowRows() > 0;
    int d = columns.featureIndex().length;
    Scoring scoring =
        new Scoring(
            file,
            name,
            columns,
            store,
            detector,
            model,
            settings,
            rolling ? 1 : threads,
            () ->
                new BlockBuffers(
                    d,
                    rolling
                        ? new RollingBaseline(settings.windowRows(), detector.minSpread())
                        : null));
    try (DecisionStore decisions = new DecisionStore(workDir)) {
      AlarmPass.Result alarms = AlarmPass.run(scoring, past, decisions, pool, progress);
      return OutputPass.run(
          scoring, scan, trainingRows, decisions, alarms, output, pool, started, progress);
    }
  }

  /** Where the timestamp and the feature columns are, and how to read a row's features. */
  record Columns(
      int timestampIndex, int[] featureIndex, List<String> features, List<String> header) {

    static Columns resolve(MetricsCsv csv, List<String> requested) throws InputDataException {
      List<String> header = csv.header();
      int ts = indexOf(header, "timestamp");
      List<Integer> idx = new ArrayList<>();
      if (requested != null) {
        for (String f : requested) {
          int i = indexOf(header, f);
          if (i < 0) {
            throw new InputDataException(
                csv.name()
                    + ": --features names '"
                    + f
                    + "', which is not a column (columns: "
                    + MetricsCsv.shorten(String.join(",", header))
                    + ")");
          }
          if (i == ts) {
            throw new InputDataException(
                csv.name() + ": --features cannot include the timestamp column");
          }
          idx.add(i);
        }
      } else {
        for (int i = 0; i < header.size(); i++) {
          String column = header.get(i).toLowerCase(Locale.ROOT);
          // The product's own metric names are numeric by definition: text there is an error, not a
          // label column.
          if (!NOT_FEATURES.contains(column)
              && (isNumber(csv.cell(i)) || MetricCatalog.isKnown(column))) {
            idx.add(i);
          }
        }
        if (idx.isEmpty()) {
          throw InputDataException.at(
              csv.name(),
              csv.line(),
              null,
              "no numeric column to analyse besides the timestamp (the first data row decides which columns are numeric)");
        }
      }
      if (idx.size() > BatchSettings.MAX_FEATURES) {
        throw new InputDataException(
            csv.name()
                + ": has "
                + idx.size()
                + " numeric columns; at most "
                + BatchSettings.MAX_FEATURES
                + " are analysed at once: choose them with --features");
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
          throw InputDataException.at(
              csv.name(),
              1,
              scored.features().get(i),
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

    private static boolean isNumber(String text) {
      try {
        return Double.isFinite(Double.parseDouble(text));
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
