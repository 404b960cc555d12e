package dev.mad.detect;

/**
 * One metric's robust centre and spreads: median, median absolute deviation (MAD) and mean absolute
 * deviation. The forest's feature scaling ({@link RobustScaler}), the z-score baseline
 * ({@link RobustBaseline}) and the model's yardstick for its own scores all start from these; they
 * differ only in how they turn them into one spread.
 */
record RobustStatistics(double median, double mad, double meanAbsDeviation) {

  /** 1 / Phi^-1(3/4): MAD * this is a consistent estimate of sigma for normal data. */
  static final double SIGMA_PER_MAD = 1.482602218505602;

  /** sqrt(pi / 2): mean absolute deviation * this is a consistent estimate of sigma for normal data. */
  static final double SIGMA_PER_MEAN_ABS_DEVIATION = Math.sqrt(Math.PI / 2.0);

  /**
   * Of {@code values[0..n)}, n >= 1, by selection (linear time); overwrites them. The deviations are
   * summed in the order selection leaves the values in.
   */
  static RobustStatistics of(double[] values, int n) {
    return around(values, n, median(values, n));
  }

  /**
   * Of values sorted in ascending order (overwritten). The deviations are then summed in ascending order
   * of the values, so the mean absolute deviation does not depend on the order the values came in.
   */
  static RobustStatistics ofSorted(double[] sorted) {
    return around(sorted, sorted.length, middle(sorted));
  }

  private static RobustStatistics around(double[] values, int n, double median) {
    double meanAbs = 0.0;
    for (int i = 0; i < n; i++) {
      values[i] = Math.abs(values[i] - median);
      meanAbs += values[i];
    }
    meanAbs /= n;
    return new RobustStatistics(median, median(values, n), meanAbs);
  }

  /** The median of {@code a[0..n)} by selection (reorders them). */
  static double median(double[] a, int n) {
    double upper = Selection.select(a, n, n / 2);
    if (n % 2 == 1) {
      return upper;
    }
    // after selecting the n/2-th, everything before it is no larger: the lower middle is their
    // maximum
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
}
