package dev.mad.detect;

/**
 * Which way a row goes at a split of an isolation tree: right exactly when value > threshold
 * (scikit-learn's rule), in the form the running JIT compiles best, chosen once per JVM. C2 compiles
 * the comparison to a conditional move, fastest there; C1 compiles it to a branch that random data
 * mispredicts half the time, so a JVM started with {@code -Dmad.jit=c1} (dev.mad.cli.TunedJvm's
 * C1-only child, which analyses command-line files) takes the sign bit of threshold - value instead.
 * Measured under C1 on 2 shared cores: scoring 100k uncorrelated rows, one thread (JMH scoreFlat),
 * 5.3-5.8 ops/s branch-free against 1.9-2.1 with the comparison (under C2: 6.4 against 7.3, hence
 * the comparison there); bench/batch.sh 200000 end to end, where time-ordered rows take similar
 * paths and the branch predicts better, 22 interleaved pairs: the comparison took 5-7% more wall
 * time and 3-6% more CPU (medians of the per-pair ratios).
 */
final class SplitTest {
  private static final boolean BRANCH_FREE = "c1".equals(System.getProperty("mad.jit"));

  private SplitTest() {}

  /** 1 when {@code value > threshold} (the row goes right), else 0. */
  static int right(double value, double threshold) {
    return BRANCH_FREE ? branchFree(value, threshold) : compare(value, threshold);
  }

  static int compare(double value, double threshold) {
    return value > threshold ? 1 : 0;
  }

  /**
   * As {@link #compare} without a branch: the sign bit of {@code threshold - value}, which is negative
   * exactly when value is larger (the difference of two distinct finite doubles is never zero, and
   * thresholds are never -0.0).
   */
  static int branchFree(double value, double threshold) {
    return (int) (Double.doubleToRawLongBits(threshold - value) >>> 63);
  }
}
