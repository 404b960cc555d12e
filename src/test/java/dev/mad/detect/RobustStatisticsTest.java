package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RobustStatisticsTest {

  @Test
  @DisplayName(
      "median 3 and MAD 1 of 1 2 3 3 4 5; mean absolute deviation 1; even count averages the middle pair")
  void smallExample() {
    RobustStatistics stats = RobustStatistics.of(new double[] {5, 1, 4, 2, 3, 3}, 6);
    assertThat(stats.median()).isEqualTo(3.0);
    assertThat(stats.mad()).isEqualTo(1.0);
    assertThat(stats.meanAbsDeviation()).isEqualTo(1.0);
    assertThat(RobustStatistics.of(new double[] {10, 40, 20, 30}, 4).median()).isEqualTo(25.0);
    assertThat(RobustStatistics.of(new double[] {7}, 1)).isEqualTo(new RobustStatistics(7, 0, 0));
  }

  @Test
  @DisplayName(
      "median and MAD by selection equal those of the sorted values exactly, odd and even counts, ties, a prefix only")
  void selectionMatchesSorting() {
    SplittableRandom r = new SplittableRandom(17);
    for (int n : new int[] {1, 2, 3, 10, 11, 256, 1001}) {
      for (int kind = 0; kind < 3; kind++) {
        double[] values = new double[n + 5]; // the 5 past n must be ignored
        for (int i = 0; i < values.length; i++) {
          values[i] =
              switch (kind) {
                case 0 -> r.nextGaussian() * 3 + 10;
                case 1 -> r.nextInt(10) == 0 ? 90 : 0; // mostly tied: MAD 0
                default -> r.nextInt(4) - 1.5; // many ties, negative values
              };
        }
        values[n] = 1e9;
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        RobustStatistics bySelection = RobustStatistics.of(values.clone(), n);
        RobustStatistics bySorting = RobustStatistics.ofSorted(sorted.clone());
        double median = RobustStatistics.middle(sorted);
        double[] deviations =
            Arrays.stream(sorted).map(v -> Math.abs(v - median)).sorted().toArray();
        double meanAbs = 0;
        for (double v : sorted) {
          meanAbs += Math.abs(v - median);
        }
        meanAbs /= n;
        assertThat(bySelection.median()).as("median, n %d, kind %d", n, kind).isEqualTo(median);
        assertThat(bySorting.median()).as("median, n %d, kind %d", n, kind).isEqualTo(median);
        assertThat(bySelection.mad())
            .as("MAD, n %d, kind %d", n, kind)
            .isEqualTo(RobustStatistics.middle(deviations));
        assertThat(bySorting.mad())
            .as("MAD, n %d, kind %d", n, kind)
            .isEqualTo(RobustStatistics.middle(deviations));
        assertThat(bySorting.meanAbsDeviation())
            .as("mean abs, n %d, kind %d", n, kind)
            .isEqualTo(meanAbs);
        assertThat(bySelection.meanAbsDeviation())
            .as("mean abs, n %d, kind %d", n, kind)
            .isCloseTo(meanAbs, within(1e-12 * (1 + meanAbs)));
      }
    }
  }

  @Test
  @DisplayName(
      "1.4826 MAD and 1.2533 mean absolute deviation estimate sigma on normal data; one huge outlier barely moves them")
  void sigmaEstimates() {
    SplittableRandom r = new SplittableRandom(4);
    double[] values = new double[50_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = 2.0 * r.nextGaussian();
    }
    values[0] = 1e12;
    RobustStatistics stats = RobustStatistics.of(values, values.length);
    assertThat(RobustStatistics.SIGMA_PER_MAD * stats.mad()).isCloseTo(2.0, within(0.05));
    assertThat(stats.median()).isCloseTo(0.0, within(0.05));
    // the mean absolute deviation is not robust: the outlier adds 1e12 / n to it
    assertThat(
            RobustStatistics.SIGMA_PER_MEAN_ABS_DEVIATION
                * (stats.meanAbsDeviation() - 1e12 / values.length))
        .isCloseTo(2.0, within(0.05));
  }
}
