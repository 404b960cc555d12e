package dev.mad.detect;

import java.util.Arrays;

/**
 * What is routine for each metric lately: how far its z-score went in the deviations (episodes) it
 * had in the last {@link #WINDOW} samples. A metric that spiked {@link #ROUTINE} times or more
 * recently has a tail: the {@link #ROUTINE}-th largest of those episodes' peaks. {@link
 * AnomalyDetector} divides the metric's z-score by how far that tail lies beyond an ordinary
 * moment, so a metric that spikes every few minutes (a cron job, a metric that was flat in training
 * and is busy now) stops raising alarms once its spikes are routine, while a metric that deviated
 * once or twice keeps its full weight, and a deviation larger than the routine ones still counts.
 * Episodes, not samples, are counted: one long real event is one episode, so it does not make the
 * next event on the same metric look routine.
 *
 * <p>An episode is a run of samples whose |z| exceeds the ordinary extreme ({@code unit}, see
 * {@link #add}), ending after {@link #GAP} samples below it. Streaming and causal, so live mode and
 * batch analysis judge a sample alike; not thread-safe, one per host or analysis. Memory:
 * {@link #KEPT} episodes per metric (the largest of the window). Hand-written: no library offers
 * episode statistics over a stream.
 *
 * <p>{@link #WINDOW} and {@link #ROUTINE} were chosen on labelled server metrics ({@code
 * bench/quality.sh}, windows 300/500/1000 × 2/3/4 episodes): longer windows also make real events that
 * recur every few hours routine (SMD event recall 0.87 → 0.56 at 1000 samples and 3 episodes).
 */
public final class RecentTails {
  /** Samples over which episodes count. */
  public static final int WINDOW = 300;

  /** How often (in samples) the tails are recomputed; between recomputations {@link #tails()} is stable. */
  public static final int EVERY = 50;

  /** Episodes of one metric within the window that make a deviation of their size routine. */
  public static final int ROUTINE = 4;

  /** Samples below the ordinary extreme that end an episode. */
  static final int GAP = 5;

  /** Episodes remembered per metric: the largest of the window. */
  static final int KEPT = 16;

  private final int dims;

  /** Per metric, the peaks and last samples of its {@link #KEPT} largest episodes of the window (end -1: empty). */
  private final double[] peaks;

  private final long[] ends;

  /** Per metric, the running episode's peak (0 when none) and the last sample above the extreme. */
  private final double[] runningPeak;

  private final long[] lastAbove;
  private double[] tails;
  private final double[] scratch = new double[KEPT];
  private long seen;

  public RecentTails(int dims) {
    if (dims < 1) {
      throw new IllegalArgumentException("dims " + dims);
    }
    this.dims = dims;
    this.peaks = new double[Math.multiplyExact(dims, KEPT)];
    this.ends = new long[dims * KEPT];
    Arrays.fill(ends, -1);
    this.runningPeak = new double[dims];
    this.lastAbove = new long[dims];
    this.tails = new double[dims];
  }

  /**
   * Records one sample's z-scores (raw, as the baseline gives them), in time order.
   *
   * @param unit the |z| an ordinary moment of this host reaches ({@link AnomalyDetector}'s unit)
   */
  public void add(double[] z, double unit) {
    if (z.length != dims) {
      throw new IllegalArgumentException("expected " + dims + " z-scores, got " + z.length);
    }
    for (int i = 0; i < dims; i++) {
      double a = Math.abs(z[i]);
      if (a > unit && a < Double.POSITIVE_INFINITY) {
        if (a > runningPeak[i]) {
          runningPeak[i] = a;
        }
        lastAbove[i] = seen;
      } else if (runningPeak[i] > 0 && seen - lastAbove[i] >= GAP) {
        remember(i, runningPeak[i], lastAbove[i]);
        runningPeak[i] = 0;
      }
    }
    seen++;
    if (seen % EVERY == 0) {
      double[] next = new double[dims];
      for (int i = 0; i < dims; i++) {
        int n = 0;
        for (int e = 0; e < KEPT; e++) {
          if (ends[i * KEPT + e] >= 0 && seen - ends[i * KEPT + e] <= WINDOW) {
            scratch[n++] = peaks[i * KEPT + e];
          }
        }
        if (n >= ROUTINE) {
          Arrays.sort(scratch, 0, n);
          next[i] = scratch[n - ROUTINE];
        }
      }
      tails = next;
    }
  }

  /**
   * Keeps an episode of metric {@code i} in a free or expired slot, else in place of the smallest kept
   * one if it is larger: the largest episodes of the window are what {@link #tails()} needs.
   */
  private void remember(int i, double peak, long end) {
    int base = i * KEPT;
    int slot = -1;
    for (int e = 0; e < KEPT && slot < 0; e++) {
      if (ends[base + e] < 0 || seen - ends[base + e] > WINDOW) {
        slot = e;
      }
    }
    if (slot < 0) {
      slot = 0;
      for (int e = 1; e < KEPT; e++) {
        if (peaks[base + e] < peaks[base + slot]) {
          slot = e;
        }
      }
      if (peaks[base + slot] >= peak) {
        return;
      }
    }
    peaks[base + slot] = peak;
    ends[base + slot] = end;
  }

  /**
   * Each metric's routine |z| lately (0 when it had fewer than {@link #ROUTINE} episodes). The array
   * is replaced, never changed, when the tails are recomputed, so a caller may keep it as a snapshot.
   */
  public double[] tails() {
    return tails;
  }

  /** Samples recorded so far. */
  public long seen() {
    return seen;
  }

  public int dimensions() {
    return dims;
  }
}
