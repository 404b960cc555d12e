package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RobustBaselineTest {
  @Test
  @DisplayName(
      "median and spread by selection match a sorted reference, from rows and from columns, odd and even counts, ties")
  void columnsMatchRows() {
    SplittableRandom r = new SplittableRandom(3);
    for (int n : new int[] {1, 2, 7, 250, 1001}) {
      double[][] rows = new double[n][];
      double[][] columns = new double[3][n];
      for (int i = 0; i < n; i++) {
        // a noisy metric, a mostly flat one with rare spikes (MAD 0), a quantised one with many
        // ties
        rows[i] =
            new double[] {r.nextGaussian() * 5 + 40, r.nextInt(20) == 0 ? 90 : 0, r.nextInt(4)};
        for (int f = 0; f < 3; f++) {
          columns[f][i] = rows[i][f];
        }
      }
      double[] floors = {0.5, 0, 0};
      RobustBaseline byRows = RobustBaseline.fit(rows, floors);
      RobustBaseline byColumns = RobustBaseline.fitColumns(columns, n, floors);
      for (int f = 0; f < 3; f++) {
        double[] sorted = new double[n];
        for (int i = 0; i < n; i++) {
          sorted[i] = rows[i][f];
        }
        Arrays.sort(sorted);
        double median = RobustStatistics.middle(sorted);
        double meanAbs = 0;
        for (int i = 0; i < n; i++) {
          sorted[i] = Math.abs(sorted[i] - median);
          meanAbs += sorted[i] / n;
        }
        Arrays.sort(sorted);
        double spread =
            Math.max(
                Math.max(
                    1.4826 * RobustStatistics.middle(sorted),
                    Math.sqrt(Math.PI / 2) * meanAbs * 0.5),
                Math.max(floors[f], Math.max(0.02 * Math.abs(median), 1e-9)));
        assertThat(byRows.median(f))
            .as("median of metric %d, n %d", f, n)
            .isCloseTo(median, within(1e-12));
        assertThat(byRows.spread(f))
            .as("spread of metric %d, n %d", f, n)
            .isCloseTo(spread, within(1e-12));
        assertThat(byColumns.median(f))
            .as("median of metric %d, n %d", f, n)
            .isCloseTo(byRows.median(f), within(1e-12));
        assertThat(byColumns.spread(f))
            .as("spread of metric %d, n %d", f, n)
            .isCloseTo(byRows.spread(f), within(1e-12));
      }
    }
  }
}
