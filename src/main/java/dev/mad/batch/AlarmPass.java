package dev.mad.batch;

import dev.mad.batch.csv.InputDataException;
import dev.mad.detect.AlarmFilter;
import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectorModel;
import dev.mad.detect.RecentPast;
import dev.mad.detect.RecentTails;
import dev.mad.detect.RobustBaseline;
import dev.mad.detect.Severity;
import dev.mad.detect.Verdict;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.function.DoubleConsumer;
import java.util.function.LongFunction;

/**
 * The alarm pass. Its parallel half judges blocks of rows on all threads ({@link #run}); its
 * sequential half feeds every row's verdict to one {@link AlarmFilter} in file order, records each
 * row's smoothed score and incident in the {@link DecisionStore}, and builds the incidents. A row belongs to an incident when its own evidence is elevated while the incident is
 * open; the flagged rows just before an incident opens are its start and are rewritten when it does.
 */
final class AlarmPass {
  private final AlarmFilter filter;
  private final DecisionStore store;
  private final AnomalyDetector detector;
  private final DetectorModel model;
  private final List<String> features;

  /** The most urgent {@link BatchIncidents#KEPT} incidents (the least urgent on top, to be dropped first). */
  private final PriorityQueue<BatchIncident> kept =
      new PriorityQueue<>(BatchIncidents.URGENCY.reversed());

  private long nextId = 1;
  private Open current;
  private long[] pendingIds = new long[BatchAnalysis.BLOCK];

  /** Times of the last rows, for an incident whose start lies a few rows before it opened. */
  private final long[] recentEpochs = new long[32];

  private double[] pendingScores = new double[BatchAnalysis.BLOCK];

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

  private AlarmPass(
      AlarmFilter filter,
      DecisionStore store,
      AnomalyDetector detector,
      DetectorModel model,
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
      for (int r = Math.max(0, warmRows.length - RecentPast.BASELINE_WINDOW);
          r < warmRows.length;
          r++) {
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
      AlarmFilter.Step s =
          filter.step(row, v.score(), level, v.anomaly(), v.strong(), v.alarming(), record);
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
    Verdict p =
        o.peakValues == null
            ? null
            : detector.evaluate(o.peakValues, model, null, o.peakScore, true, o.peakRecent);
    double[] shares = p == null ? new double[features.size()] : p.contributions();
    kept.add(
        new BatchIncident(
            o.id,
            o.firstRow,
            o.lastRow,
            iso(o.firstEpoch),
            iso(o.lastEpoch),
            o.peakRow,
            iso(o.peakEpoch),
            o.peakScore,
            o.severity.atLeast(p == null || p.severity() == null ? Severity.MEDIUM : p.severity()),
            p == null ? "" : p.reason(),
            p == null ? List.of() : p.severityFactors(),
            Contributions.of(features, shares)));
    if (kept.size() > BatchIncidents.KEPT) {
      kept.poll();
    }
    current = null;
  }

  /** The incidents kept, in file order; {@link #nextId} - 1 of them were found. */
  List<BatchIncident> incidents() {
    List<BatchIncident> out = new ArrayList<>(kept);
    out.sort(Comparator.comparingLong(BatchIncident::id));
    return out;
  }

  long count() {
    return nextId - 1;
  }

  private static String iso(long epochMs) {
    return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneId.systemDefault())
        .toString();
  }

  /** One block as the row rules judged it. */
  static final class Judged {
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

  /** The incidents an alarm pass found, and what each row was judged against (for the output pass). */
  record Result(
      List<BatchIncident> incidents, long count, LongFunction<RecentPast.Snapshot> recentAt) {}

  /**
   * Judges every row: blocks on all threads (forest score, z-scores, rules), then one {@link AlarmFilter}
   * in file order, which writes each row's smoothed score and incident to {@code decisions}.
   *
   * @param past the rows before the file (a separate training file), or null
   */
  static Result run(
      Scoring s,
      double[][] past,
      DecisionStore decisions,
      ExecutorService pool,
      DoubleConsumer progress)
      throws IOException, InputDataException {
    AlarmFilter filter =
        new AlarmFilter(
            s.settings().openLevel(),
            s.model().forest().params().contamination(),
            s.settings().quietRows());
    AlarmPass pass = new AlarmPass(filter, decisions, s.detector(), s.model(), past);
    long rows = s.rows();
    try {
      ScorePass.<BlockBuffers, Judged>run(
          s.blocks(),
          s.workers(),
          pool,
          s.buffers(),
          (k, st) -> judge(s, k, st),
          judged -> {
            pass.accept(judged);
            progress.accept(0.5 + 0.25 * (judged.firstRow + judged.size) / rows);
          });
    } catch (IOException | InputDataException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e.getMessage(), e);
    }
    pass.finish();
    return new Result(pass.incidents(), pass.count(), pass::recentAt);
  }

  /** Block {@code k} as the forest, the z-scores and the rules judge its rows one by one. */
  private static Judged judge(Scoring s, int k, BlockBuffers st) throws IOException {
    int d = s.dimensions();
    long first = (long) k * BatchAnalysis.BLOCK;
    int n = (int) Math.min(BatchAnalysis.BLOCK, s.rows() - first);
    s.store().read(first, n, st.rows);
    s.model().scoreBlock(st.rows.values, n, st.scratch, st.scores);
    Judged out = new Judged(first, n, d);
    for (int i = 0; i < n; i++) {
      double[] x = st.rows.values[i];
      RobustBaseline baseline = st.rolling != null ? st.rolling.current() : null;
      out.verdicts[i] = s.detector().evaluate(x, s.model(), baseline, st.scores[i]);
      if (st.rolling != null) {
        st.rolling.add(x);
      }
      System.arraycopy(x, 0, out.values, i * d, d);
      out.epochs[i] = st.rows.epochs[i];
    }
    return out;
  }
}
