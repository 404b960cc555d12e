package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.MetricSample;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The engine against the original project's labelled sample (110 anomalies in 2000 rows). */
class FixtureDetectionTest {

  @Test
  @DisplayName(
      "ranks the labelled anomalies first (ROC-AUC >= 0.99) and flags them with F1 >= 0.97")
  void rankingAndFlagsOnSeedSample() throws Exception {
    SeedFixture f = SeedFixture.load();
    AnomalyDetector detector =
        new AnomalyDetector(
            MetricSample.METRICS,
            List.of(
                new Rule(
                    "cpu_critical",
                    "cpu_percent",
                    ">",
                    95,
                    Severity.CRITICAL,
                    "High CPU usage detected")),
            AnomalyDetector.Settings.defaults());
    DetectorModel model =
        DetectorModel.train(
            f.rows, detector.minSpread(), IsolationForestParams.defaults(), 0L, Runnable::run);

    int n = f.rows.length;
    double[] scores = new double[n];
    int tp = 0;
    int fp = 0;
    int fn = 0;
    for (int i = 0; i < n; i++) {
      Verdict v = detector.evaluate(f.rows[i], model, null);
      scores[i] = v.score();
      if (v.anomaly()) {
        assertThat(v.reasons()).isNotEmpty();
        assertThat(v.severityFactors()).isNotEmpty();
      }
      tp += v.anomaly() && f.labels[i] ? 1 : 0;
      fp += v.anomaly() && !f.labels[i] ? 1 : 0;
      fn += !v.anomaly() && f.labels[i] ? 1 : 0;
    }
    double f1 = 2.0 * tp / (2.0 * tp + fp + fn);
    assertThat(rocAuc(scores, f.labels)).isGreaterThanOrEqualTo(0.99);
    assertThat(f1).isGreaterThanOrEqualTo(0.97);
  }

  /** AUC of "lower score = more anomalous" as the probability that an anomaly outranks a normal row. */
  static double rocAuc(double[] scores, boolean[] labels) {
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < scores.length; i++) {
      if (!labels[i]) {
        continue;
      }
      for (int j = 0; j < scores.length; j++) {
        if (labels[j]) {
          continue;
        }
        pairs++;
        wins += scores[i] < scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
      }
    }
    return wins / pairs;
  }
}
