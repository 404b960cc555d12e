package dev.mad.batch;

import dev.mad.batch.csv.InputDataException;
import dev.mad.batch.csv.Rfc4180;
import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectorModel;
import dev.mad.detect.RecentPast;
import dev.mad.detect.RobustBaseline;
import dev.mad.detect.Severity;
import dev.mad.detect.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.function.DoubleConsumer;
import java.util.function.LongFunction;

/**
 * The output pass: re-reads each block's raw records, explains the rows that lie in incidents (the
 * alarm pass decided which), formats every row ({@link BlockFormatter}) and hands the blocks to a
 * {@link BatchOutput} in file order, while counting what the summary, the chart and the history need.
 * Adding an output column means changing {@link BlockFormatter} and {@link ResultJson}, not this.
 */
final class OutputPass {
  private static final int TOP = 10;

  /** Regular rows kept for the result chart (flagged rows are kept besides, up to as many). */
  private static final int CHART_POINTS = 2000;

  private OutputPass() {}

  /** One formatted block: its output text and what the summary, chart and history need of it. */
  static final class Scored {
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
   * Explains the rows that lie in incidents and formats every row, blocks on all threads, handed to
   * {@code output} in file order; returns the analysis' result.
   */
  static BatchResult run(
      Scoring s,
      ScanPass.Result scan,
      int trainingRows,
      DecisionStore decisions,
      AlarmPass.Result alarms,
      BatchOutput output,
      ExecutorService pool,
      long started,
      DoubleConsumer progress)
      throws IOException, InputDataException {
    String name = s.name();
    BatchAnalysis.Columns columns = s.columns();
    FeatureStore store = s.store();
    AnomalyDetector detector = s.detector();
    DetectorModel model = s.model();
    LongFunction<RecentPast.Snapshot> recentAt = alarms.recentAt();
    long[] counts = new long[1];
    EnumMap<Severity, Long> bySeverity = new EnumMap<>(Severity.class);
    for (Severity severity : Severity.values()) {
      bySeverity.put(severity, 0L);
    }
    ChartSampler chart = new ChartSampler(CHART_POINTS);
    PriorityQueue<BatchResult.FlaggedRow> top = new PriorityQueue<>(rankOrder().reversed());
    int d = columns.featureIndex().length;
    long rows = store.rows();
    int blocks = s.blocks();
    BlockFormatter formatter = new BlockFormatter(columns, output.wantsJson());
    output.start(columns.header(), columns.features());
    try (FileChannel input = FileChannel.open(s.file(), StandardOpenOption.READ)) {
      ScorePass.<BlockBuffers, Scored>run(
          blocks,
          s.workers(),
          pool,
          s.buffers(),
          (k, st) -> {
            long first = (long) k * BatchAnalysis.BLOCK;
            int n = (int) Math.min(BatchAnalysis.BLOCK, rows - first);
            store.read(first, n, st.rows);
            decisions.read(first, n, st.scores, st.incidents);
            st.raw = readRaw(input, st.rows.starts[0], st.rows.ends[n - 1], st.raw, name);
            Scored out =
                new Scored(
                    first,
                    n,
                    d,
                    (int) (st.rows.ends[n - 1] - st.rows.starts[0]) + n * 32,
                    output.wantsJson());
            long base = st.rows.starts[0];
            double[] one = new double[d];
            for (int i = 0; i < n; i++) {
              double[] x = st.rows.values[i];
              RobustBaseline baseline = st.rolling != null ? st.rolling.current() : null;
              long incident = st.incidents[i];
              Verdict v =
                  incident > 0
                      ? detector.evaluate(
                          x, model, baseline, model.score(x, one), true, recentAt.apply(first + i))
                      : null;
              if (st.rolling != null) {
                st.rolling.add(x);
              }
              int at = (int) (st.rows.starts[i] - base);
              int length = (int) (st.rows.ends[i] - st.rows.starts[i]);
              Contributions contributions =
                  v != null
                      ? Contributions.of(columns.features(), v.contributions())
                      : Contributions.NONE;
              formatter.row(
                  first + i,
                  st.raw,
                  at,
                  length,
                  x,
                  st.scores[i],
                  v,
                  contributions,
                  incident,
                  out.csv,
                  out.json);
              System.arraycopy(x, 0, out.values, i * d, d);
              out.epochs[i] = st.rows.epochs[i];
              out.scores[i] = st.scores[i];
              out.anomaly[i] = v != null;
              if (v != null) {
                String timestamp = Rfc4180.field(st.raw, at, length, columns.timestampIndex());
                out.flagged.add(
                    new BatchResult.FlaggedRow(
                        first + i,
                        timestamp,
                        st.scores[i],
                        v.severity(),
                        v.reason(),
                        v.severityFactors(),
                        contributions,
                        incident));
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
                chart.add(
                    new ChartSampler.Point(
                        block.epochs[i],
                        row,
                        Arrays.copyOfRange(block.values, i * d, i * d + d),
                        block.anomaly[i],
                        block.scores[i]));
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
    return new BatchResult(
        name,
        scan.sha256(),
        rows,
        counts[0],
        bySeverity,
        ranked,
        columns.features(),
        trainingRows,
        model.threshold(),
        (System.nanoTime() - started) / 1_000_000,
        chart.points(),
        alarms.incidents(),
        alarms.count());
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
    return Comparator.comparing(BatchResult.FlaggedRow::severity)
        .reversed()
        .thenComparingDouble(BatchResult.FlaggedRow::score);
  }
}
