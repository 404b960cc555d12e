package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RobustScalerTest {

  private static final double SIGMA_PER_MAD = 1.482602218505602;

  @Test
  @DisplayName("median and 1.4826 * MAD per feature, with the even-count median averaged")
  void medianAndMad() {
    RobustScaler scaler =
        RobustScaler.fit(new double[][] {{5, 10}, {1, 20}, {4, 30}, {2, 40}, {3, 50}, {3, 60}});
    // Feature 0: 1 2 3 3 4 5 -> median 3; |deviations| 0 0 1 1 2 2 -> MAD 1.
    assertThat(scaler.median(0)).isEqualTo(3.0);
    assertThat(scaler.scale(0)).isCloseTo(SIGMA_PER_MAD, within(1e-12));
    // Feature 1: 10..60 -> median 35; |deviations| 5 5 15 15 25 25 -> MAD 15.
    assertThat(scaler.median(1)).isEqualTo(35.0);
    assertThat(scaler.scale(1)).isCloseTo(15.0 * SIGMA_PER_MAD, within(1e-12));
    assertThat(scaler.transform(new double[] {3, 35 + 30 * SIGMA_PER_MAD}))
        .containsExactly(new double[] {0.0, 2.0}, within(1e-12));
    assertThat(scaler.dimensions()).isEqualTo(2);
  }

  @Test
  @DisplayName("on normal data the scale estimates sigma, and one huge outlier barely moves it")
  void gaussianIsStandardised() {
    Random random = new Random(1);
    double[][] rows = new double[20_000][1];
    for (double[] row : rows) {
      row[0] = 7.0 + 3.0 * random.nextGaussian();
    }
    rows[0][0] = 1e9;
    RobustScaler scaler = RobustScaler.fit(rows);
    assertThat(scaler.median(0)).isCloseTo(7.0, within(0.1));
    assertThat(scaler.scale(0)).isCloseTo(3.0, within(0.1));
    assertThat(scaler.transform(0, 13.0)).isCloseTo(2.0, within(0.1));
  }

  @Test
  @DisplayName("a constant feature gets scale 1 without a floor, so transform only centres it")
  void constantFeature() {
    RobustScaler scaler = RobustScaler.fit(new double[][] {{4, 1}, {4, 2}, {4, 3}});
    assertThat(scaler.median(0)).isEqualTo(4.0);
    assertThat(scaler.scale(0)).isEqualTo(1.0);
    assertThat(scaler.transform(new double[] {6, 2})).containsExactly(2.0, 0.0);
  }

  @Test
  @DisplayName("floating-point noise around a constant counts as constant")
  void noiseIsConstant() {
    RobustScaler scaler = RobustScaler.fit(new double[][] {{0.3}, {0.1 + 0.2}, {0.3}, {0.1 + 0.2}});
    assertThat(scaler.scale(0)).isEqualTo(1.0);
  }

  @Test
  @DisplayName("when most values tie the MAD is zero and the mean absolute deviation takes over")
  void mostlyTiedFeature() {
    double[][] rows = {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {10}};
    RobustScaler scaler = RobustScaler.fit(rows);
    assertThat(scaler.median(0)).isEqualTo(0.0);
    assertThat(scaler.scale(0)).isCloseTo(10.0 / 8.0 * Math.sqrt(Math.PI / 2.0), within(1e-12));
    assertThat(scaler.transform(0, 10.0)).isGreaterThan(5.0);
  }

  @Test
  @DisplayName("a floor keeps a nearly flat metric from turning small wobbles into large z-scores")
  void floor() {
    double[][] rows = {{50.0, 0}, {50.1, 0}, {49.9, 0}, {50.0, 0}, {50.05, 0}};
    RobustScaler unfloored = RobustScaler.fit(rows);
    RobustScaler floored = RobustScaler.fit(rows, new double[] {1.0, 2.0});
    assertThat(unfloored.transform(0, 51.0)).isGreaterThan(10.0);
    assertThat(floored.scale(0)).isEqualTo(1.0);
    assertThat(floored.transform(0, 51.0)).isCloseTo(1.0, within(1e-12));
    // The floor also replaces the fallback scale of a constant feature.
    assertThat(floored.scale(1)).isEqualTo(2.0);
    // A floor below the data's own spread changes nothing.
    assertThat(RobustScaler.fit(rows, new double[] {1e-6, 0}).scale(0))
        .isEqualTo(unfloored.scale(0));
  }

  @Test
  @DisplayName("the fitted scales do not depend on the order of the training rows, to the last bit")
  void rowOrderDoesNotMatter() {
    Random random = new Random(6);
    double[][] rows = new double[5_001][];
    for (int i = 0; i < rows.length; i++) {
      // a mostly tied feature takes the mean-absolute-deviation fallback, whose sum is
      // order-sensitive
      rows[i] =
          new double[] {
            random.nextGaussian() * 1e3 + 0.1, random.nextInt(8) == 0 ? random.nextDouble() : 0.0
          };
    }
    double[][] reversed = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      reversed[i] = rows[rows.length - 1 - i];
    }
    List<double[]> shuffled = new ArrayList<>(Arrays.asList(rows));
    Collections.shuffle(shuffled, random);
    RobustScaler scaler = RobustScaler.fit(rows);
    for (double[][] other : new double[][][] {reversed, shuffled.toArray(new double[0][])}) {
      RobustScaler reordered = RobustScaler.fit(other);
      for (int f = 0; f < 2; f++) {
        assertThat(reordered.scale(f)).isEqualTo(scaler.scale(f));
        assertThat(reordered.median(f)).isEqualTo(scaler.median(f));
      }
    }
    assertThat(scaler.median(1)).isEqualTo(0.0);
    assertThat(scaler.scale(1)).isGreaterThan(0.0).isNotEqualTo(1.0);
  }

  @Test
  @DisplayName("transform works in place and is independent of later changes to the training rows")
  void transformInPlaceAndImmutable() {
    double[][] rows = {{1, 100}, {2, 200}, {3, 300}};
    RobustScaler scaler = RobustScaler.fit(rows);
    rows[1][0] = 1000;
    double[] x = {2, 200};
    scaler.transform(x, x);
    assertThat(x).containsExactly(0.0, 0.0);
    assertThat(scaler.median(0)).isEqualTo(2.0);
  }

  @Test
  @DisplayName("invalid input is rejected with explicit messages")
  void validation() {
    assertThatThrownBy(() -> RobustScaler.fit(new double[0][]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 rows");
    assertThatThrownBy(() -> RobustScaler.fit(new double[][] {{1, 2}, {3}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ragged rows: row 1 has 1 features but row 0 has 2");
    assertThatThrownBy(() -> RobustScaler.fit(new double[][] {{Double.NaN}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("row 0, feature 0 is NaN");
    assertThatThrownBy(() -> RobustScaler.fit(new double[][] {{1, 2}}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minScale has 1 values but rows have 2 features");
    assertThatThrownBy(() -> RobustScaler.fit(new double[][] {{1, 2}}, new double[] {1, -1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minScale[1] must be finite and >= 0, got -1.0");
    RobustScaler scaler = RobustScaler.fit(new double[][] {{1, 2}, {3, 4}});
    assertThatThrownBy(() -> scaler.transform(new double[3], new double[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected a row of 2 features, got 3");
    assertThatThrownBy(() -> scaler.transform(new double[2], new double[1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out has room for 1");
    assertThatThrownBy(() -> scaler.median(2))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("feature 2 out of range [0, 2)");
  }
}
