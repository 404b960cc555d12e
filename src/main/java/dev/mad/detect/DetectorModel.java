package dev.mad.detect;

import java.util.concurrent.Executor;

/**
 * Everything learned from one training window: the forest (fed robustly scaled features), the
 * per-metric baseline for z-scores and expected values, and when and on how much it was trained.
 * Immutable, so the live detector can swap it in one assignment.
 */
public record DetectorModel(IsolationForest forest, RobustScaler scaler, RobustBaseline baseline,
                            long trainedAtMs, int trainingSamples) {

  /** Trains on {@code rows}; blocking and CPU-heavy for large windows, so never on an event loop. */
  public static DetectorModel train(double[][] rows, double[] minSpread, IsolationForestParams params,
                                    long nowMs, Executor executor) {
    RobustScaler scaler = RobustScaler.fit(rows);
    double[][] scaled = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      scaled[i] = scaler.transform(rows[i]);
    }
    IsolationForest forest = IsolationForest.fit(scaled, params, executor);
    return new DetectorModel(forest, scaler, RobustBaseline.fit(rows, minSpread), nowMs, rows.length);
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
