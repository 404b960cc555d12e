package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RecentRangeTest {
  private static final double UNIT = 3.0;

  /** Beyond the range [-20, 20] by its width and past the minimum level: a record. */
  private static final double BIG = 20 + 40 * RecentRange.MARGIN + RecentRange.MIN_LEVEL * UNIT;

  /** A range whose metric 0 has swung between -20 and 20 for a whole window. */
  private static RecentRange swinging(int[] direction) {
    RecentRange r = new RecentRange(direction);
    feed(r, RecentRange.WINDOW, 20);
    return r;
  }

  /** Feeds {@code n} samples: metric 0 swings between -w and w, metric 1 stays at 0.5. */
  private static void feed(RecentRange r, int n, double w) {
    for (int i = 0; i < n; i++) {
      r.add(new double[] {i % 2 == 0 ? w : -w, 0.5});
    }
  }

  @Test
  @DisplayName("a value beyond everything the metric did lately is a record; a repeat is not")
  void recordsAndRepeats() {
    RecentRange r = swinging(new int[] {0, 0});
    double big = BIG;
    assertThat(r.record(new double[] {big, 0.5}, UNIT)).isTrue();
    assertThat(r.record(new double[] {-big, 0.5}, UNIT))
        .as("both ways for a metric without a direction")
        .isTrue();
    assertThat(r.record(new double[] {19, 0.5}, UNIT)).isFalse();
    r.add(new double[] {big, 0.5});
    assertThat(r.record(new double[] {big, 0.5}, UNIT)).as("the same value again").isFalse();
  }

  @Test
  @DisplayName("a metric's direction decides which records count, and small records are no news")
  void directionAndSize() {
    RecentRange r = swinging(new int[] {1, 0});
    double big = BIG;
    assertThat(r.record(new double[] {-big, 0.5}, UNIT))
        .as("a drop of a metric that alerts when it rises")
        .isFalse();
    assertThat(r.record(new double[] {big, 0.5}, UNIT)).isTrue();
    // metric 1 never moved: a range of 0 says nothing
    assertThat(r.record(new double[] {0, 100}, UNIT)).isFalse();
    RecentRange quiet = new RecentRange(new int[] {0, 0});
    feed(quiet, RecentRange.WINDOW, 1);
    assertThat(quiet.record(new double[] {RecentRange.MIN_LEVEL * UNIT * 0.9, 0.5}, UNIT))
        .as("beyond the range but not unusual")
        .isFalse();
  }

  @Test
  @DisplayName("old extremes leave the window; nothing is news before the range has enough samples")
  void window() {
    RecentRange r = new RecentRange(new int[] {0, 0});
    assertThat(r.record(new double[] {1000, 0}, UNIT)).isFalse();
    r.add(new double[] {200, 0.5});
    feed(r, RecentRange.WINDOW + 2 * RecentRange.BLOCK, 20);
    double big = BIG;
    assertThat(big).isLessThan(200);
    assertThat(r.record(new double[] {big, 0.5}, UNIT))
        .as("the old 200 has left the window")
        .isTrue();
  }
}
