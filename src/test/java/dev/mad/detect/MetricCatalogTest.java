package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MetricCatalogTest {
  @Test
  @DisplayName("severity factors round like String.format(\"%.1f\"), halves and negatives included")
  void oneDecimalMatchesFormat() {
    double[] edges = {
      0.05,
      0.15,
      0.25,
      1.45,
      2.675,
      -0.04,
      -0.05,
      -1.25,
      0,
      -0.0,
      99.95,
      1e20,
      123456.789,
      Double.NaN,
      Double.POSITIVE_INFINITY,
      5e-324
    };
    for (double v : edges) {
      assertThat(MetricCatalog.oneDecimal(v))
          .as("%s", v)
          .isEqualTo(String.format(Locale.ROOT, "%.1f", v));
    }
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 200_000; i++) {
      double v =
          switch (i % 3) {
            case 0 -> Math.round(random.nextDouble(-1000, 1000) * 100) / 100.0;
            case 1 -> random.nextDouble(-10, 10);
            default -> Math.round(random.nextDouble(0, 100) * 1000) / 1000.0;
          };
      assertThat(MetricCatalog.oneDecimal(v))
          .as("%s", v)
          .isEqualTo(String.format(Locale.ROOT, "%.1f", v));
    }
    assertThat(MetricCatalog.factor("cpu_percent", 85.25)).isEqualTo("CPU: 85.3%");
  }
}
