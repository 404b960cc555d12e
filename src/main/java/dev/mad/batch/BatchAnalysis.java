package dev.mad.batch;

import dev.mad.batch.csv.InputDataException;
import dev.mad.batch.csv.MetricsCsv;
import dev.mad.batch.csv.RawRecords;
import dev.mad.detect.AlarmFilter;
import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectorModel;
import dev.mad.detect.MetricCatalog;
import dev.mad.detect.RandomSubset;
import dev.mad.detect.RecentPast;
import dev.mad.detect.RecentTails;
import dev.mad.detect.RobustBaseline;
import dev.mad.detect.Severity;
import dev.mad.detect.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.DoubleConsumer;

/**
 * Analyses a metrics CSV in two streaming passes on all cores. The validating pass ({@link ScanPass})
 * reads the file in parts at once, checks every row and stores each row's features with the
 * position of its raw record ({@link FeatureStore}); the model is trained on all rows or a uniform
 * sample of {@link BatchSettings#MAX_TRAINING_ROWS} (or on the separate training file). The scoring
 * pass ({@link ScorePass}) then scores, explains and formats blocks of rows on every thread with the
 * same {@link AnomalyDetector} as live mode, and hands them to a {@link BatchOutput} in file order.
 * Memory does not grow with the file.
 */
public final class BatchAnalysis {
  /** Columns that are never features: the time, and results of an earlier analysis or labels. */
  static final Set<String> NOT_FEATURES = Set.of("timestamp", "is_anomaly", "anomaly_score", "label");
  private static final int TOP = 10;
  /** Rows scored, explained and formatted together by one thread. */
  static final int BLOCK = 4096;
  /** Regular rows kept for the result chart (flagged rows are kept besides, up to as many). */
  private static final int CHART_POINTS = 2000;

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

  public BatchResult run(Path file, String name, BatchOutput output) throws IOException, InputDataException {
    long started = System.nanoTime();
    Columns columns;
    try (MetricsCsv csv = MetricsCsv.open(file, name)) {
      if (!csv.next()) {
        throw InputDataException.at(name, 0, null, "has a header but no data rows");
      }
      columns = Columns.resolve(csv, settings.features());
    }
    Files.createDirectories(workDir);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1, r -> {
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
        ScanPass.Result trained = new ScanPass(trainFile, trainFile.toString(), trainColumns, workDir, pool, threads)
            .run(f -> progress.accept(0.25 * f));
        try (FeatureStore store = trained.store()) {
          training = sample(store, trainFile.toString());
        }
        scanFrom = 0.25;
      }
      double from = scanFrom;
      ScanPass.Result scan = new ScanPass(file, name, columns, workDir, pool, threads)
          .run(f -> progress.accept(from + (0.5 - from) * f));
      try (FeatureStore store = scan.store()) {
        // A separate training file is the analysed file's recent past; a file trained on itself has none.
        double[][] past = training;
        if (training == null) {
          training = sample(store, name);
        }
        AnomalyDetector detector = new AnomalyDetector(columns.features(), settings.rules(), settings.detector());
        DetectorModel model = DetectorModel.train(training, detector.minSpread(), settings.forest(),
            System.currentTimeMillis(), pool);
        return score(file, name, columns, store, scan, training.length, past, detector, model, output, pool,
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
  private double[][] sample(FeatureStore store, String name) throws IOException, InputDataException {
    long n = store.rows();
    int cap = BatchSettings.MAX_TRAINING_ROWS;
    if (n < 2) {
      throw InputDataException.at(name, 0, null, "has " + n + " data row(s); at least 2 are needed to learn");
    }
    // Each subset of the rows equally likely; drawn with nextLong, as always, so a seed keeps its rows.
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

  /** Per-thread buffers of the scoring passes. */
  private static final class ScoreState {
    final FeatureStore.Rows rows;
    final double[] scratch;
    final double[] scores = new double[BLOCK];
    final long[] incidents = new long[BLOCK];
    final RollingBaseline rolling;
    byte[] raw = new byte[1 << 20];

    ScoreState(int d, RollingBaseline rolling) {
      rows = new FeatureStore.Rows(BLOCK, d);
      scratch = new double[BLOCK * d];
      this.rolling = rolling;
    }
  }

  /** One block as the row rules judged it, for the alarm pass. */
  private static final class Judged {
    final long firstRow;
    final int size;
    final Verdict[] verdicts;
    final double[] values;
    final long[] epochs;

    Judged(long firstRow, int size, int d) {
      this.firstRow = firstRow;
      this.size = size;
      this.verdicts = new Verdict[size];
      this.values = new double[size * d];
      this.epochs = new long[size];
    }
  }

  /** One formatted block: its output text and what the summary, chart and history need of it. */
  private static final class Scored {
    final long firstRow;
    final int size;
    final ByteSink csv;
    final ByteSink json;
    final double[] values;
    final long[] epochs;
    final double[] scores;
    final boolean[] anomaly;
    final List<BatchResult.FlaggedRow> flagged = new ArrayList<>();

    Scored(long firstRow, int size, int d, int csvBytes, boolean json) {
      this.firstRow = firstRow;
      this.size = size;
      this.csv = new ByteSink(csvBytes);
      this.json = json ? new ByteSink(csvBytes * 3) : null;
      this.values = new double[size * d];
      this.epochs = new long[size];
      this.scores = new double[size];
      this.anomaly = new boolean[size];
    }
  }

  /**
   * The alarm pass' sequential half: feeds every row's verdict to one {@link AlarmFilter} in file
   * order, records each row's smoothed score and incident in the {@link DecisionStore}, and builds the
   * incidents. A row belongs to an incident when its own evidence is elevated while the incident is
   * open; the flagged rows just before an incident opens are its start and are rewritten when it does.
   */
  private static final class Incidents {
    private final AlarmFilter filter;
    private final DecisionStore store;
    private final AnomalyDetector detector;
    private final DetectorModel model;
    private final List<String> features;
    /** The most urgent {@link BatchIncidents#KEPT} incidents (the least urgent on top, to be dropped first). */
    private final PriorityQueue<BatchIncident> kept = new PriorityQueue<>(BatchIncidents.URGENCY.reversed());
    private long nextId = 1;
    private Open current;
    private long[] pendingIds = new long[BLOCK];
    /** Times of the last rows, for an incident whose start lies a few rows before it opened. */
    private final long[] recentEpochs = new long[32];
    private double[] pendingScores = new double[BLOCK];

    private static final class Open {
      final long id;
      long firstRow;
      long firstEpoch;
      long lastRow;
      long lastEpoch;
      Severity severity = Severity.MEDIUM;
      double peakLevel = -1;
      long peakRow;
      long peakEpoch;
      double peakScore;
      /** The peak row's values and what it was judged against: explained once, when the incident ends. */
      double[] peakValues;
      RecentPast.Snapshot peakRecent;

      Open(long id, long row, long epoch) {
        this.id = id;
        this.firstRow = row;
        this.firstEpoch = epoch;
        this.lastRow = row;
        this.lastEpoch = epoch;
      }
    }

    /** What the file did lately, and its snapshot at every {@link RecentTails#EVERY}-th row for the output pass. */
    private final RecentPast past;
    private final double[] x;
    private final List<RecentPast.Snapshot> snapshots = new ArrayList<>();

    Incidents(AlarmFilter filter, DecisionStore store, AnomalyDetector detector, DetectorModel model,
              double[][] warmRows) {
      this.filter = filter;
      this.store = store;
      this.detector = detector;
      this.model = model;
      this.features = detector.metrics();
      this.past = new RecentPast(detector);
      this.x = new double[features.size()];
      if (warmRows != null) {
        // a separate training file is the recent past of the analysed one
        for (int r = Math.max(0, warmRows.length - RecentPast.BASELINE_WINDOW); r < warmRows.length; r++) {
          double[] z = new double[features.size()];
          for (int f = 0; f < z.length; f++) {
            z[f] = model.baseline().zScore(f, warmRows[r][f]);
          }
          past.add(warmRows[r], z, detector.zUnit(model));
        }
      }
    }

    /** What row {@code row} was judged against. */
    RecentPast.Snapshot recentAt(long row) {
      return snapshots.get((int) (row / RecentTails.EVERY));
    }

    void accept(Judged b) throws IOException {
      int n = b.size;
      int d = features.size();
      for (int i = 0; i < n; i++) {
        long row = b.firstRow + i;
        Verdict v = b.verdicts[i];
        if (row % RecentTails.EVERY == 0) {
          snapshots.add(past.snapshot());
        }
        RecentPast.Snapshot recent = past.snapshot();
        double[] x = this.x;
        System.arraycopy(b.values, i * d, x, 0, d);
        double level = detector.level(x, v, model, recent);
        boolean record = past.record(v.zScores(), detector.zUnit(model));
        AlarmFilter.Step s = filter.step(row, v.score(), level, v.anomaly(), v.strong(), v.alarming(),
            record);
        past.add(x, v.zScores(), detector.zUnit(model));
        pendingScores[i] = s.smoothedScore();
        pendingIds[i] = 0;
        if (s.opened()) {
          current = new Open(nextId++, row, b.epochs[i]);
        }
        recentEpochs[(int) (row % recentEpochs.length)] = b.epochs[i];
        if (s.opened() && s.leadIn() > 0) {
          // the flagged samples just before the incident opened are its start
          long from = row - s.leadIn();
          current.firstRow = from;
          current.firstEpoch = recentEpochs[(int) (from % recentEpochs.length)];
          for (long r = Math.max(from, b.firstRow); r < row; r++) {
            pendingIds[(int) (r - b.firstRow)] = current.id;
          }
          if (from < b.firstRow) {
            store.markIncident(from, b.firstRow, current.id);
          }
        }
        if (current != null && s.marked()) {
          pendingIds[i] = current.id;
          current.lastRow = row;
          current.lastEpoch = b.epochs[i];
          if (v.anomaly() && v.severity() != null) {
            current.severity = current.severity.atLeast(v.severity());
          }
          if (level > current.peakLevel) {
            current.peakLevel = level;
            current.peakRow = row;
            current.peakEpoch = b.epochs[i];
            current.peakScore = v.score();
            if (current.peakValues == null) {
              current.peakValues = new double[d];
            }
            System.arraycopy(x, 0, current.peakValues, 0, d);
            current.peakRecent = recent;
          }
        }
        if (s.closed() && current != null) {
          finish();
        }
      }
      store.write(b.firstRow, n, pendingScores, pendingIds);
    }

    void finish() {
      if (current == null) {
        return;
      }
      Open o = current;
      Verdict p = o.peakValues == null ? null
          : detector.evaluate(o.peakValues, model, null, o.peakScore, true, o.peakRecent);
      double[] shares = p == null ? new double[features.size()] : p.contributions();
      kept.add(new BatchIncident(o.id, o.firstRow, o.lastRow, iso(o.firstEpoch), iso(o.lastEpoch), o.peakRow,
          iso(o.peakEpoch), o.peakScore, o.severity.atLeast(p == null || p.severity() == null ? Severity.MEDIUM
              : p.severity()), p == null ? "" : p.reason(), p == null ? List.of() : p.severityFactors(),
          Contributions.of(features, shares)));
      if (kept.size() > BatchIncidents.KEPT) {
        kept.poll();
      }
      current = null;
    }

    /** The incidents kept, in file order; {@link #nextId} - 1 of them were found. */
    List<BatchIncident> incidents() {
      List<BatchIncident> out = new ArrayList<>(kept);
      out.sort(java.util.Comparator.comparingLong(BatchIncident::id));
      return out;
    }

    long count() {
      return nextId - 1;
    }

    private static String iso(long epochMs) {
      return java.time.LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(epochMs), java.time.ZoneId.systemDefault())
          .toString();
    }
  }

  /**
   * Scoring: the alarm pass judges blocks of rows on all threads and decides incidents in file order
   * (one {@link AlarmFilter}); the output pass then explains and formats blocks on all threads and
   * commits them in file order.
   */
  private BatchResult score(Path file, String name, Columns columns, FeatureStore store, ScanPass.Result scan,
                            int trainingRows, double[][] past, AnomalyDetector detector, DetectorModel model,
                            BatchOutput output, ExecutorService pool, long started)
      throws IOException, InputDataException {
    int d = columns.featureIndex().length;
    long rows = store.rows();
    int blocks = (int) ((rows + BLOCK - 1) / BLOCK);
    // A rolling baseline depends on the rows before: one thread then takes the blocks in order.
    boolean rolling = settings.windowRows() > 0;
    int workers = rolling ? 1 : threads;
    java.util.function.Supplier<ScoreState> states =
        () -> new ScoreState(d, rolling ? new RollingBaseline(settings.windowRows(), detector.minSpread()) : null);
    try (DecisionStore decisions = new DecisionStore(workDir)) {
      AlarmFilter filter = new AlarmFilter(settings.openLevel(), model.forest().params().contamination(),
          settings.quietRows());
      Incidents incidents = new Incidents(filter, decisions, detector, model, past);
      try {
        ScorePass.<ScoreState, Judged>run(blocks, workers, pool, states,
            (k, st) -> {
              long first = (long) k * BLOCK;
              int n = (int) Math.min(BLOCK, rows - first);
              store.read(first, n, st.rows);
              model.scoreBlock(st.rows.values, n, st.scratch, st.scores);
              Judged out = new Judged(first, n, d);
              for (int i = 0; i < n; i++) {
                double[] x = st.rows.values[i];
                RobustBaseline baseline = st.rolling != null ? st.rolling.current() : null;
                out.verdicts[i] = detector.evaluate(x, model, baseline, st.scores[i]);
                if (st.rolling != null) {
                  st.rolling.add(x);
                }
                System.arraycopy(x, 0, out.values, i * d, d);
                out.epochs[i] = st.rows.epochs[i];
              }
              return out;
            },
            judged -> {
              incidents.accept(judged);
              progress.accept(0.5 + 0.25 * (judged.firstRow + judged.size) / rows);
            });
      } catch (IOException | InputDataException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e.getMessage(), e);
      }
      incidents.finish();
      return format(file, name, columns, store, decisions, scan, trainingRows, detector, model, output, pool, started,
          states, workers, incidents.incidents(), incidents.count(), incidents::recentAt);
    }
  }

  /** Output pass: explains the rows that lie in incidents and formats every row, in parallel, committed in order. */
  private BatchResult format(Path file, String name, Columns columns, FeatureStore store, DecisionStore decisions,
                             ScanPass.Result scan, int trainingRows, AnomalyDetector detector, DetectorModel model,
                             BatchOutput output, ExecutorService pool, long started,
                             java.util.function.Supplier<ScoreState> states, int workers, List<BatchIncident> found,
                             long incidentCount, java.util.function.LongFunction<RecentPast.Snapshot> recentAt)
      throws IOException, InputDataException {
    long[] counts = new long[1];
    EnumMap<Severity, Long> bySeverity = new EnumMap<>(Severity.class);
    for (Severity s : Severity.values()) {
      bySeverity.put(s, 0L);
    }
    ChartSampler chart = new ChartSampler(CHART_POINTS);
    PriorityQueue<BatchResult.FlaggedRow> top = new PriorityQueue<>(rankOrder().reversed());
    int d = columns.featureIndex().length;
    long rows = store.rows();
    int blocks = (int) ((rows + BLOCK - 1) / BLOCK);
    BlockFormatter formatter = new BlockFormatter(columns, output.wantsJson());
    output.start(columns.header(), columns.features());
    try (FileChannel input = FileChannel.open(file, StandardOpenOption.READ)) {
      ScorePass.<ScoreState, Scored>run(blocks, workers, pool, states,
          (k, st) -> {
            long first = (long) k * BLOCK;
            int n = (int) Math.min(BLOCK, rows - first);
            store.read(first, n, st.rows);
            decisions.read(first, n, st.scores, st.incidents);
            st.raw = readRaw(input, st.rows.starts[0], st.rows.ends[n - 1], st.raw, name);
            Scored out = new Scored(first, n, d, (int) (st.rows.ends[n - 1] - st.rows.starts[0]) + n * 32,
                output.wantsJson());
            long base = st.rows.starts[0];
            double[] one = new double[d];
            for (int i = 0; i < n; i++) {
              double[] x = st.rows.values[i];
              RobustBaseline baseline = st.rolling != null ? st.rolling.current() : null;
              long incident = st.incidents[i];
              Verdict v = incident > 0 ? detector.evaluate(x, model, baseline, model.score(x, one), true,
                  recentAt.apply(first + i)) : null;
              if (st.rolling != null) {
                st.rolling.add(x);
              }
              int at = (int) (st.rows.starts[i] - base);
              int length = (int) (st.rows.ends[i] - st.rows.starts[i]);
              Contributions contributions = v != null ? Contributions.of(columns.features(), v.contributions())
                  : Contributions.NONE;
              formatter.row(first + i, st.raw, at, length, x, st.scores[i], v, contributions, incident, out.csv,
                  out.json);
              System.arraycopy(x, 0, out.values, i * d, d);
              out.epochs[i] = st.rows.epochs[i];
              out.scores[i] = st.scores[i];
              out.anomaly[i] = v != null;
              if (v != null) {
                String timestamp = RawRecords.field(st.raw, at, length, columns.timestampIndex());
                out.flagged.add(new BatchResult.FlaggedRow(first + i, timestamp, st.scores[i], v.severity(),
                    v.reason(), v.severityFactors(), contributions, incident));
              }
            }
            return out;
          },
          block -> {
            output.block(block.csv, block.json);
            for (BatchResult.FlaggedRow f : block.flagged) {
              counts[0]++;
              bySeverity.merge(f.severity(), 1L, Long::sum);
              output.flagged(f);
              top.add(f);
              if (top.size() > TOP) {
                top.poll();
              }
            }
            for (int i = 0; i < block.size; i++) {
              long row = block.firstRow + i;
              if (chart.wants(row, block.anomaly[i])) {
                chart.add(new ChartSampler.Point(block.epochs[i], row,
                    java.util.Arrays.copyOfRange(block.values, i * d, i * d + d), block.anomaly[i], block.scores[i]));
              }
            }
            progress.accept(0.75 + 0.25 * (block.firstRow + block.size) / rows);
          });
    } catch (IOException | InputDataException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e.getMessage(), e);
    }
    progress.accept(1.0);
    List<BatchResult.FlaggedRow> ranked = new ArrayList<>(top);
    ranked.sort(rankOrder());
    return new BatchResult(name, scan.sha256(), rows, counts[0], bySeverity, ranked, columns.features(), trainingRows,
        model.threshold(), (System.nanoTime() - started) / 1_000_000, chart.points(), found, incidentCount);
  }

  /** The raw bytes of the input from {@code from} to {@code to}, into {@code buf} (grown when too small). */
  private static byte[] readRaw(FileChannel input, long from, long to, byte[] buf, String name)
      throws IOException, InputDataException {
    int length = (int) (to - from);
    byte[] b = buf.length >= length ? buf : new byte[Math.max(length, buf.length * 2)];
    ByteBuffer target = ByteBuffer.wrap(b, 0, length);
    while (target.hasRemaining()) {
      if (input.read(target, from + target.position()) < 0) {
        throw InputDataException.at(name, 0, null, "file changed while it was being analysed");
      }
    }
    return b;
  }

  /** Most urgent first: by severity, then by lower (stranger) score. */
  private static Comparator<BatchResult.FlaggedRow> rankOrder() {
    return Comparator.comparing(BatchResult.FlaggedRow::severity).reversed()
        .thenComparingDouble(BatchResult.FlaggedRow::score);
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
              && (isNumber(csv.cell(i)) || MetricCatalog.isKnown(column))) {
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

    private static boolean isNumber(String text) {
      try {
        return Double.isFinite(Double.parseDouble(text));
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
