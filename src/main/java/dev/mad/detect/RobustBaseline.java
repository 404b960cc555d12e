package dev.mad.detect;

/**
 * Per-metric median and robust spread of a window ({@link RobustStatistics}), for z-scores that one
 * outlier cannot drag. The spread is 1.4826·MAD (σ for normal data), raised to a floor: the metric's
 * smallest meaningful variation, 2% of its median, and half the σ implied by the mean absolute deviation
 * (which stays above zero when more than half of the values are equal but the rest vary).
 */
public final class RobustBaseline {
  /**
   * {@link RobustStatistics#SIGMA_PER_MAD} rounded to five digits, as the z-scores have always used;
   * changing it would move every reported z-score slightly.
   */
  private static final double MAD_TO_SIGMA = 1.4826;

  private static final double RELATIVE_FLOOR = 0.02;

  private final double[] median;
  private final double[] spread;

  private RobustBaseline(double[] median, double[] spread) {
    this.median = median;
    this.spread = spread;
  }

  /** A baseline as {@link ModelFile} stored it. */
  static RobustBaseline restore(double[] median, double[] spread) {
    if (median.length != spread.length) {
      throw new IllegalArgumentException("median and spread differ in length");
    }
    return new RobustBaseline(median.clone(), spread.clone());
  }

  double[] medians() {
    return median.clone();
  }

  double[] spreads() {
    return spread.clone();
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
          throw new IllegalArgumentException(
              "row " + i + " has " + rows[i].length + " values, expected " + dims);
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

  private static void fitColumn(
      double[] column, int n, double minSpread, double[] median, double[] spread, int f) {
    RobustStatistics stats = RobustStatistics.of(column, n);
    double med = stats.median();
    median[f] = med;
    double byMeanAbs =
        RobustStatistics.SIGMA_PER_MEAN_ABS_DEVIATION * stats.meanAbsDeviation() * 0.5;
    spread[f] =
        Math.max(
            Math.max(MAD_TO_SIGMA * stats.mad(), byMeanAbs),
            Math.max(minSpread, Math.max(RELATIVE_FLOOR * Math.abs(med), 1e-9)));
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
