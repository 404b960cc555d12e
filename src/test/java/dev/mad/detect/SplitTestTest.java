package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SplitTestTest {

  @Test
  @DisplayName("the branch-free split test goes right exactly when value > threshold")
  void branchFreeComparison() {
    double[] values = {
      0.0,
      -0.0,
      1e-300,
      -1e-300,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      1.0,
      -1.0,
      0.5,
      Math.nextUp(0.5),
      Math.nextDown(0.5),
      1e300,
      -1e300,
      Double.MAX_VALUE,
      -Double.MAX_VALUE,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY
    };
    for (double value : values) {
      for (double threshold : values) {
        if (Double.isInfinite(value) || Double.doubleToRawLongBits(threshold) == Long.MIN_VALUE) {
          continue; // rows are finite and thresholds are never -0.0
        }
        assertThat(SplitTest.branchFree(value, threshold))
            .as("%s vs %s", value, threshold)
            .isEqualTo(SplitTest.compare(value, threshold))
            .isEqualTo(value > threshold ? 1 : 0);
      }
    }
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 100_000; i++) {
      double value = random.nextDouble(-10, 10);
      double threshold = i % 3 == 0 ? value : random.nextDouble(-10, 10);
      assertThat(SplitTest.branchFree(value, threshold)).isEqualTo(value > threshold ? 1 : 0);
    }
  }

  @Test
  @DisplayName(
      "the form in use (whichever this JVM chose) follows sklearn's rule: x <= threshold goes left")
  void inUse() {
    assertThat(SplitTest.right(1.0, 1.0)).isZero();
    assertThat(SplitTest.right(Math.nextUp(1.0), 1.0)).isOne();
    assertThat(SplitTest.right(-0.0, 0.0)).isZero();
    assertThat(SplitTest.right(-3.0, -2.0)).isZero();
  }
}
