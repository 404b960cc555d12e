package dev.mad.detect;

import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Everything learned from one training window: the forest (fed robustly scaled features), the
 * per-metric baseline for z-scores and expected values, and when and on how much it was trained.
 * Immutable, so the live detector can swap it in one assignment.
 */
public record DetectorModel(
    IsolationForest forest,
    RobustScaler scaler,
    RobustBaseline baseline,
    long trainedAtMs,
    int trainingSamples,
    double scoreMedian,
    double scoreSpread,
    double typicalZ) {

  /** Trains on {@code rows}; blocking and CPU-heavy for large windows, so never on an event loop. */
  public static DetectorModel train(
      double[][] rows,
      double[] minSpread,
      IsolationForestParams params,
      long nowMs,
      Executor executor) {
    RobustScaler scaler = RobustScaler.fit(rows);
    double[][] scaled = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      scaled[i] = scaler.transform(rows[i]);
    }
    IsolationForest forest = IsolationForest.fit(scaled, params, executor);
    // How the forest scores its own training rows: the yardstick of "unusually low" for the alarm
    // level.
    double[] own = new double[scaled.length];
    forest.score(scaled, own);
    Arrays.sort(own);
    RobustStatistics ownStats = RobustStatistics.ofSorted(own);
    double median = ownStats.median();
    double spread = Math.max(RobustStatistics.SIGMA_PER_MAD * ownStats.mad(), MIN_SCORE_SPREAD);
    RobustBaseline baseline = RobustBaseline.fit(rows, minSpread);
    return new DetectorModel(
        forest, scaler, baseline, nowMs, rows.length, median, spread, typicalZ(rows, baseline));
  }

  /** Floor on the spread of training scores, so a forest that scores every training row alike is not over-sensitive. */
  static final double MIN_SCORE_SPREAD = 0.01;

  /**
   * The median over the training rows of each row's largest |z-score|: how far from its usual level
   * the most unusual metric of an ordinary row is. Near 1–2 for a few well-behaved metrics; far
   * larger for many metrics on tight scales, where a z-score of 10 is an ordinary moment.
   */
  static double typicalZ(double[][] rows, RobustBaseline baseline) {
    double[] max = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      double m = 0;
      for (int f = 0; f < baseline.dimensions(); f++) {
        m = Math.max(m, Math.abs(baseline.zScore(f, rows[i][f])));
      }
      max[i] = m;
    }
    return RobustStatistics.median(max, max.length);
  }

  /** How far below its training rows' usual score {@code score} lies, in robust standard deviations (0 when above). */
  public double scoreDeviation(double score) {
    return Math.max(0.0, (scoreMedian - score) / scoreSpread);
  }

  /** Isolation Forest score of a raw sample, sklearn's {@code score_samples} scale. */
  public double score(double[] raw, double[] scratch) {
    scaler.transform(raw, scratch);
    return forest.score(scratch);
  }

  /**
   * Scores {@code n} raw rows at once (the forest walks a block far faster than row by row).
   *
   * @param scratch at least {@code n * dimensions} values, reused between calls
   */
  public void scoreBlock(double[][] raw, int n, double[] scratch, double[] out) {
    int d = scaler.dimensions();
    for (int i = 0; i < n; i++) {
      scaler.transform(raw[i], scratch, i * d);
    }
    forest.scoreFlat(scratch, n, out);
  }

  public double threshold() {
    return forest.threshold();
  }
}
