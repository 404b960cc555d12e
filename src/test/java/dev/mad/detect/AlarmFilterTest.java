package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The temporal half of detection, fed synthetic levels (the evidence scale of {@link Verdict#level()}). */
class AlarmFilterTest {
  private static final double K = AlarmFilter.DEFAULT_OPEN_LEVEL;

  private static AlarmFilter.Step feed(
      AlarmFilter f, long i, double level, boolean anomaly, boolean strong, boolean rule) {
    return f.step(i, -0.45, level, anomaly, strong, rule);
  }

  @Test
  @DisplayName(
      "a fired rule opens an incident at once; it closes after the quiet samples, marking only its own sample")
  void ruleOpensAndCloses() {
    AlarmFilter f = new AlarmFilter(K, 0.05, 3);
    for (int i = 0; i < 100; i++) {
      assertThat(feed(f, i, 0.3, false, false, false).inIncident()).isFalse();
    }
    AlarmFilter.Step open = feed(f, 100, 0.3, true, true, true);
    assertThat(open.opened()).isTrue();
    assertThat(open.marked()).isTrue();
    assertThat(feed(f, 101, 0.3, false, false, false).marked()).isFalse();
    assertThat(feed(f, 102, 0.3, false, false, false).closed()).isFalse();
    assertThat(feed(f, 103, 0.3, false, false, false).closed()).isTrue();
    assertThat(f.incidentOpen()).isFalse();
  }

  @Test
  @DisplayName(
      "a lone flagged wobble opens nothing; a sustained deviation opens exactly one incident")
  void sustainedOpensWobbleDoesNot() {
    AlarmFilter f = new AlarmFilter(K, 0.05, 3);
    int opened = 0;
    for (int i = 0; i < 400; i++) {
      // ordinary noise, with a flagged wobble every 40 samples that is only twice the ordinary
      // extreme
      // (the first comes before a recent maximum exists, so none is news)
      boolean wobble = i % 40 == 5;
      opened += feed(f, i, wobble ? 2.0 : 0.4, wobble, false, false).opened() ? 1 : 0;
    }
    assertThat(opened).isZero();
    for (int i = 400; i < 440; i++) {
      opened += feed(f, i, 5.0, true, false, false).opened() ? 1 : 0;
    }
    for (int i = 440; i < 600; i++) {
      opened += feed(f, i, 0.4, false, false, false).opened() ? 1 : 0;
    }
    assertThat(opened).isOne();
  }

  @Test
  @DisplayName(
      "the threshold adapts: a permanent shift of the evidence stops being one endless incident")
  void adaptsToShift() {
    AlarmFilter f = new AlarmFilter(K, 0.05, 3);
    int marked = 0;
    for (int i = 0; i < 500; i++) {
      feed(f, i, 0.4, false, false, false);
    }
    for (int i = 500; i < 5500; i++) {
      // a new regime whose ordinary level is as high as an incident's, with its own noise
      double level = 4.0 + Math.sin(i * 0.7);
      marked += feed(f, i, level, false, false, false).marked() ? 1 : 0;
    }
    assertThat(f.threshold()).isGreaterThan(3.0);
    assertThat(marked).isLessThan(5000 / 10);
  }

  @Test
  @DisplayName("the smoothed score keeps a spike's own score and softens the samples around it")
  void scoreKeepsPeaks() {
    AlarmFilter f = new AlarmFilter(K, 0.05, 3);
    for (int i = 0; i < 20; i++) {
      f.step(i, -0.40, 0.2, false, false, false);
    }
    assertThat(f.step(20, -0.80, 9, true, true, false).smoothedScore()).isEqualTo(-0.80);
    double after = f.step(21, -0.40, 0.2, false, false, false).smoothedScore();
    assertThat(after).isLessThan(-0.40).isGreaterThan(-0.80);
  }

  @Test
  @DisplayName("the quantile by selection equals the sorted one, ties and repeats included")
  void selectionMatchesSort() {
    SplittableRandom r = new SplittableRandom(3);
    for (int round = 0; round < 500; round++) {
      int n = 1 + r.nextInt(1000);
      double[] a = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = r.nextInt(4) == 0 ? 1.0 : Math.floor(r.nextDouble() * 20) / 2;
      }
      int k = r.nextInt(n);
      double[] sorted = a.clone();
      Arrays.sort(sorted);
      assertThat(Selection.select(a.clone(), n, k)).isEqualTo(sorted[k]);
    }
  }

  @Test
  @DisplayName("bad settings are refused")
  void refusesBadSettings() {
    for (List<Double> bad :
        List.of(List.of(0.0, 0.05, 3.0), List.of(2.5, 0.0, 3.0), List.of(2.5, 0.05, 0.0))) {
      Assertions.assertThatThrownBy(
              () -> new AlarmFilter(bad.get(0), bad.get(1), bad.get(2).intValue()))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
