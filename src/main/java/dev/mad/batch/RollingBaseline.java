package dev.mad.batch;

import dev.mad.detect.RobustBaseline;

/**
 * The z-score baseline over the last {@code window} rows (--window-size), refreshed every tenth
 * of a window so its cost per row stays small however long the file is.
 */
final class RollingBaseline {
  private static final int MIN_ROWS = 5;

  private final double[][] ring;
  private final double[] minSpread;
  private final int refreshEvery;
  private int count;
  private int next;
  private int sinceRefresh;
  private RobustBaseline current;

  RollingBaseline(int window, double[] minSpread) {
    this.ring = new double[window][];
    this.minSpread = minSpread;
    this.refreshEvery = Math.max(1, window / 10);
  }

  /** The baseline of the rows seen so far, or null (use the model's) until a few rows exist. */
  RobustBaseline current() {
    return current;
  }

  void add(double[] values) {
    ring[next] = values.clone();
    next = (next + 1) % ring.length;
    count = Math.min(count + 1, ring.length);
    if (count >= Math.min(MIN_ROWS, ring.length)
        && (++sinceRefresh >= refreshEvery || current == null)) {
      sinceRefresh = 0;
      double[][] rows = new double[count][];
      System.arraycopy(ring, 0, rows, 0, count);
      current = RobustBaseline.fit(rows, minSpread);
    }
  }
}
