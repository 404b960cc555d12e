package dev.mad.batch;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a bounded, evenly spread subset of an analysis' rows for its chart, plus every flagged
 * row (up to a bound), without knowing the row count in advance: when too many points pile up,
 * every other one is dropped and the stride doubles.
 */
public final class ChartSampler {
  /** One charted row. */
  public record Point(long epochMs, long row, double[] values, boolean anomaly, double score) {}

  private final int limit;
  private final List<Point> regular = new ArrayList<>();
  private final List<Point> flagged = new ArrayList<>();
  private long stride = 1;
  private long flaggedStride = 1;
  private long flaggedSeen;

  ChartSampler(int limit) {
    this.limit = limit;
  }

  /** Whether row {@code row} would be kept; lets callers skip building the point. */
  boolean wants(long row, boolean anomaly) {
    return anomaly ? flaggedSeen % flaggedStride == 0 : row % stride == 0;
  }

  void add(Point p) {
    if (p.anomaly()) {
      flaggedSeen++;
      flagged.add(p);
      if (flagged.size() > limit) {
        thin(flagged);
        flaggedStride *= 2;
      }
    } else {
      regular.add(p);
      if (regular.size() > limit) {
        thin(regular);
        stride *= 2;
      }
    }
  }

  private static void thin(List<Point> points) {
    List<Point> kept = new ArrayList<>(points.size() / 2 + 1);
    for (int i = 0; i < points.size(); i += 2) {
      kept.add(points.get(i));
    }
    points.clear();
    points.addAll(kept);
  }

  /** The kept points in row order. */
  List<Point> points() {
    List<Point> all = new ArrayList<>(regular.size() + flagged.size());
    all.addAll(regular);
    all.addAll(flagged);
    all.sort((a, b) -> Long.compare(a.row(), b.row()));
    return all;
  }
}
