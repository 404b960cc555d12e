package dev.mad.detect;

import java.util.Arrays;

/**
 * The range each metric's z-score covered over the last {@link #WINDOW} samples, to tell a new record
 * (a value beyond everything the metric did lately, by a margin of that range) from a repeat. A record
 * is news even when another metric is noisier: it is judged per metric, not on the sample's largest
 * deviation. Block extremes ({@link #BLOCK} samples each) make it O(metrics) per sample. Streaming and
 * causal; not thread-safe. Hand-written: a sliding extreme per column is a few lines.
 */
public final class RecentRange {
  /** Samples the range covers (in whole blocks). */
  public static final int WINDOW = 1000;

  /** Samples per block. */
  static final int BLOCK = 50;

  /** How far beyond the recent range, as a share of it, a value must lie to be a record. */
  static final double MARGIN = 1.0;

  /** How unusual a record must be at least, in ordinary extremes ({@link AnomalyDetector#zUnit}). */
  static final double MIN_LEVEL = 8.0;

  /** Samples needed before a range means something. */
  static final int MIN_SAMPLES = WINDOW / 4;

  private final int dims;
  private final int blocks = Math.max(1, WINDOW / BLOCK);
  private final int[] direction;
  private final double[] blockMax;
  private final double[] blockMin;
  private final double[] curMax;
  private final double[] curMin;
  private final double[] max;
  private final double[] min;
  private long seen;

  /**
   * @param direction per metric, which records count: +1 only rises, -1 only drops, 0 both
   */
  public RecentRange(int[] direction) {
    this.dims = direction.length;
    this.direction = direction.clone();
    this.blockMax = new double[Math.multiplyExact(dims, blocks)];
    this.blockMin = new double[dims * blocks];
    Arrays.fill(blockMax, Double.NEGATIVE_INFINITY);
    Arrays.fill(blockMin, Double.POSITIVE_INFINITY);
    this.curMax = new double[dims];
    this.curMin = new double[dims];
    this.max = new double[dims];
    this.min = new double[dims];
    Arrays.fill(curMax, Double.NEGATIVE_INFINITY);
    Arrays.fill(curMin, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
    Arrays.fill(min, Double.POSITIVE_INFINITY);
  }

  /** Whether {@code z} sets a record on some metric, measured against the samples before it. */
  public boolean record(double[] z, double unit) {
    if (seen < MIN_SAMPLES) {
      return false;
    }
    for (int i = 0; i < dims; i++) {
      double hi = max[i] > curMax[i] ? max[i] : curMax[i];
      double lo = min[i] < curMin[i] ? min[i] : curMin[i];
      double range = hi - lo;
      if (!(range > 0) || !(Math.abs(z[i]) < Double.POSITIVE_INFINITY)) {
        continue;
      }
      if (direction[i] >= 0 && z[i] > hi + MARGIN * range && z[i] > MIN_LEVEL * unit) {
        return true;
      }
      if (direction[i] <= 0 && z[i] < lo - MARGIN * range && -z[i] > MIN_LEVEL * unit) {
        return true;
      }
    }
    return false;
  }

  /** Adds one sample's z-scores, in time order. */
  public void add(double[] z) {
    // plain comparisons: this runs for every metric of every row, often in a C1-compiled batch JVM
    for (int i = 0; i < dims; i++) {
      double v = z[i];
      if (v > curMax[i] && v < Double.POSITIVE_INFINITY) {
        curMax[i] = v;
      }
      if (v < curMin[i] && v > Double.NEGATIVE_INFINITY) {
        curMin[i] = v;
      }
    }
    seen++;
    if (seen % BLOCK == 0) {
      int b = (int) ((seen / BLOCK) % blocks);
      for (int i = 0; i < dims; i++) {
        blockMax[i * blocks + b] = curMax[i];
        blockMin[i * blocks + b] = curMin[i];
        curMax[i] = Double.NEGATIVE_INFINITY;
        curMin[i] = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double lo = Double.POSITIVE_INFINITY;
        for (int k = 0; k < blocks; k++) {
          hi = Math.max(hi, blockMax[i * blocks + k]);
          lo = Math.min(lo, blockMin[i * blocks + k]);
        }
        max[i] = hi;
        min[i] = lo;
      }
    }
  }
}
