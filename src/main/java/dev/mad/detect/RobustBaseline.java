package dev.mad.detect;

import java.util.Arrays;

/**
 * Per-metric median and robust spread of a window, for z-scores that one outlier cannot drag.
 * The spread is 1.4826·MAD (σ for normal data), raised to a floor: the metric's smallest
 * meaningful variation, 2% of its median, and half the σ implied by the mean absolute deviation (which
 * stays above zero when more than half of the values are equal but the rest vary).
 */
public final class RobustBaseline {
  private static final double MAD_TO_SIGMA = 1.4826;
  private static final double MEAN_ABS_DEV_TO_SIGMA = Math.sqrt(Math.PI / 2.0);
  private static final double RELATIVE_FLOOR = 0.02;

  private final double[] median;
  private final double[] spread;

  private RobustBaseline(double[] median, double[] spread) {
    this.median = median;
    this.spread = spread;
  }

  /**
   * @param rows      training rows (at least one), each of {@code minSpread.length} values
   * @param minSpread per-metric absolute floor on the spread (0 allowed)
   */
  public static RobustBaseline fit(double[][] rows, double[] minSpread) {
    int n = rows.length;
    if (n == 0) {
      throw new IllegalArgumentException("a baseline needs at least one row");
    }
    int dims = minSpread.length;
    double[] median = new double[dims];
    double[] spread = new double[dims];
    double[] column = new double[n];
    for (int f = 0; f < dims; f++) {
      for (int i = 0; i < n; i++) {
        if (rows[i].length != dims) {
          throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + dims);
        }
        column[i] = rows[i][f];
      }
      fitColumn(column, n, minSpread[f], median, spread, f);
    }
    return new RobustBaseline(median, spread);
  }

  /**
   * As {@link #fit(double[][], double[])} from columns: {@code columns[f][0..n)} are metric f's values
   * (reordered by the call). Selection instead of sorting keeps it linear in {@code n}.
   */
  public static RobustBaseline fitColumns(double[][] columns, int n, double[] minSpread) {
    if (n == 0) {
      throw new IllegalArgumentException("a baseline needs at least one row");
    }
    int dims = minSpread.length;
    double[] median = new double[dims];
    double[] spread = new double[dims];
    for (int f = 0; f < dims; f++) {
      fitColumn(columns[f], n, minSpread[f], median, spread, f);
    }
    return new RobustBaseline(median, spread);
  }

  private static void fitColumn(double[] column, int n, double minSpread, double[] median, double[] spread, int f) {
    double med = median(column, n);
    double meanAbs = 0;
    for (int i = 0; i < n; i++) {
      column[i] = Math.abs(column[i] - med);
      meanAbs += column[i];
    }
    meanAbs /= n;
    double mad = median(column, n);
    median[f] = med;
    spread[f] = Math.max(Math.max(MAD_TO_SIGMA * mad, MEAN_ABS_DEV_TO_SIGMA * meanAbs * 0.5),
        Math.max(minSpread, Math.max(RELATIVE_FLOOR * Math.abs(med), 1e-9)));
  }

  /** The median of {@code a[0..n)} by selection (reorders them). */
  private static double median(double[] a, int n) {
    double upper = Selection.select(a, n, n / 2);
    if (n % 2 == 1) {
      return upper;
    }
    // after selecting the n/2-th, everything before it is no larger: the lower middle is their maximum
    double lower = a[0];
    for (int i = 1; i < n / 2; i++) {
      lower = Math.max(lower, a[i]);
    }
    return 0.5 * (lower + upper);
  }

  /** The median of sorted values. */
  static double middle(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  }

  public double zScore(int metric, double value) {
    return (value - median[metric]) / spread[metric];
  }

  public double median(int metric) {
    return median[metric];
  }

  public double spread(int metric) {
    return spread[metric];
  }

  public int dimensions() {
    return median.length;
  }
}
