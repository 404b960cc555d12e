package dev.mad.detect;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * What people told detection was nothing, for one host. A mark is the incident's leading metric
 * (the one that contributed most), the direction it moved and how far from its usual value it was
 * at the peak. Once a metric has {@code needed} marks in one direction within {@code keepMs}, a
 * deviation of that metric in that direction up to {@code tolerance} times the largest of them is
 * "like them": it no longer opens an incident. A larger one, or one led by another metric, still
 * does. At most {@link #MAX_PER_KIND} marks are kept per metric and direction (the oldest go).
 * Not thread-safe; used from detect's context.
 */
final class FalseAlarms {
  static final int MAX_PER_KIND = 20;

  /** One marked false alarm. */
  record Mark(String metric, int sign, double deviation, long markedMs) {}

  private final int needed;
  private final double tolerance;
  private final long keepMs;
  private final Map<String, Deque<Mark>> marks = new HashMap<>();

  FalseAlarms(int needed, double tolerance, long keepMs) {
    this.needed = needed;
    this.tolerance = tolerance;
    this.keepMs = keepMs;
  }

  private static String kind(String metric, int sign) {
    return metric + (sign >= 0 ? "+" : "-");
  }

  void mark(Mark m) {
    Deque<Mark> list = marks.computeIfAbsent(kind(m.metric(), m.sign()), k -> new ArrayDeque<>());
    list.addLast(m);
    while (list.size() > MAX_PER_KIND) {
      list.removeFirst();
    }
  }

  /** Whether a deviation of {@code metric} by {@code deviation} (signed) is like the marked ones. */
  boolean covers(String metric, double deviation, long nowMs) {
    if (metric == null || !Double.isFinite(deviation) || deviation == 0) {
      return false;
    }
    int sign = deviation > 0 ? 1 : -1;
    Deque<Mark> list = marks.get(kind(metric, sign));
    if (list == null) {
      return false;
    }
    list.removeIf(m -> nowMs - m.markedMs() > keepMs);
    if (list.size() < needed) {
      return false;
    }
    double largest = 0;
    for (Mark m : list) {
      largest = Math.max(largest, m.deviation());
    }
    return Math.abs(deviation) <= tolerance * largest;
  }

  boolean isEmpty() {
    return marks.values().stream().allMatch(Deque::isEmpty);
  }
}
