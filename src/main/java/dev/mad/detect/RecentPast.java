package dev.mad.detect;

/**
 * What one host (or one analysed file) did lately, for judging a sample in its context: each
 * metric's routine spikes ({@link RecentTails}), the range it covered ({@link RecentRange}) and its
 * recent level and spread (a robust baseline over the last {@link #BASELINE_WINDOW} samples, so a
 * metric that moved to a new level since training is measured against where it is now as well).
 * Fed every sample in time order; {@link #snapshot()} changes only every {@link RecentTails#EVERY}
 * samples, so a batch analysis can keep one per block of rows for its output pass. Not thread-safe.
 *
 * <p>Memory: twice {@link #BASELINE_KEPT} values of every metric (8 bytes each: every
 * {@link #BASELINE_STRIDE}rd sample of the window, and scratch for a fit) plus the tails' and the range's few values per metric; a fit costs
 * O({@link #BASELINE_KEPT}) per metric every {@link #BASELINE_EVERY} samples.
 */
public final class RecentPast {
  /** Samples the recent baseline is fitted on. */
  public static final int BASELINE_WINDOW = 3000;

  /** Every how many samples one is kept for the recent baseline (a median needs no more). */
  static final int BASELINE_STRIDE = 3;

  /** Values kept per metric for the recent baseline. */
  static final int BASELINE_KEPT = BASELINE_WINDOW / BASELINE_STRIDE;

  /** Samples needed before the recent baseline is used. */
  static final int BASELINE_MIN = BASELINE_WINDOW / 4;

  /** How often (in samples) the recent baseline is refitted: a fit sorts the whole window. */
  static final int BASELINE_EVERY = 10 * RecentTails.EVERY;

  /** What a sample is judged against besides the model: see {@link AnomalyDetector#evaluate}. */
  public record Snapshot(double[] tails, RobustBaseline baseline) {}

  private final RecentTails tails;
  private final RecentRange range;
  private final double[] minSpread;

  /** The last {@link #BASELINE_WINDOW} values of each metric (column-major ring), and scratch for a fit. */
  private final double[][] ring;

  /**
   * Scratch for a fit, one per thread rather than per host: a hub holds a thousand of these, and a
   * fit copies the ring here only for the time of the call.
   */
  private static final ThreadLocal<double[][]> SCRATCH = new ThreadLocal<>();

  private long seen;
  private Snapshot snapshot;

  public RecentPast(AnomalyDetector detector) {
    int d = detector.metrics().size();
    this.tails = new RecentTails(d);
    this.range = new RecentRange(detector.directions());
    this.minSpread = detector.minSpread();
    this.ring = new double[d][BASELINE_KEPT];
    this.snapshot = new Snapshot(tails.tails(), null);
  }

  /** What the next sample is judged against. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Whether baseline z-scores {@code z} set a record on some metric ({@link RecentRange}). */
  public boolean record(double[] z, double unit) {
    return range.record(z, unit);
  }

  /**
   * Records one sample.
   *
   * @param x    its values
   * @param z    its z-scores against the model's baseline ({@link Verdict#zScores()})
   * @param unit the ordinary extreme of a z-score ({@link AnomalyDetector#zUnit})
   */
  public void add(double[] x, double[] z, double unit) {
    tails.add(z, unit);
    range.add(z);
    if (seen % BASELINE_STRIDE == 0) {
      int at = (int) (seen / BASELINE_STRIDE % BASELINE_KEPT);
      for (int f = 0; f < ring.length; f++) {
        ring[f][at] = x[f];
      }
    }
    seen++;
    if (seen % RecentTails.EVERY == 0) {
      RobustBaseline baseline = snapshot.baseline();
      int n = (int) Math.min((seen + BASELINE_STRIDE - 1) / BASELINE_STRIDE, BASELINE_KEPT);
      if (seen >= BASELINE_MIN && (seen % BASELINE_EVERY == 0 || baseline == null)) {
        double[][] scratch = scratch(ring.length);
        for (int f = 0; f < ring.length; f++) {
          System.arraycopy(ring[f], 0, scratch[f], 0, n);
        }
        baseline = RobustBaseline.fitColumns(scratch, n, minSpread);
      }
      snapshot = new Snapshot(tails.tails(), baseline);
    }
  }

  private static double[][] scratch(int dims) {
    double[][] s = SCRATCH.get();
    if (s == null || s.length != dims) {
      s = new double[dims][BASELINE_KEPT];
      SCRATCH.set(s);
    }
    return s;
  }
}
