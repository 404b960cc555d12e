package dev.mad.detect;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The recent samples, by wall time, with whether each was flagged. Bounded by age: samples older
 * than {@code keepMs} behind the newest are dropped as new ones arrive.
 */
final class SampleWindow {
  private record Entry(long timestampMs, double[] values, boolean flagged) {}

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final long keepMs;

  SampleWindow(long keepMs) {
    this.keepMs = keepMs;
  }

  void add(long timestampMs, double[] values, boolean flagged) {
    entries.addLast(new Entry(timestampMs, values, flagged));
    while (!entries.isEmpty() && entries.peekFirst().timestampMs() < timestampMs - keepMs) {
      entries.removeFirst();
    }
  }

  int size() {
    return entries.size();
  }

  /**
   * Rows of the samples not older than {@code fromMs}; flagged ones only when
   * {@code includeFlagged} (an ongoing incident must not teach the model that it is normal).
   */
  double[][] rows(long fromMs, boolean includeFlagged) {
    int count = 0;
    for (Entry e : entries) {
      if (e.timestampMs() >= fromMs && (includeFlagged || !e.flagged())) {
        count++;
      }
    }
    double[][] rows = new double[count][];
    int i = 0;
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.timestampMs() >= fromMs && (includeFlagged || !e.flagged())) {
        rows[i++] = e.values();
      }
    }
    return rows;
  }
}
