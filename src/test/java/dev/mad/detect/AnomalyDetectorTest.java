package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mad.bus.MetricSample;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {
  private AnomalyDetector detector;
  private DetectorModel model;
  private double[][] quiet;

  /** A quiet host: CPU ~5 %, memory ~40 %, little I/O. */
  static double[][] quietHost(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[][] rows = new double[n][];
    for (int i = 0; i < n; i++) {
      double cpu = 5 + rnd.nextDouble(-2, 2);
      rows[i] =
          new double[] {
            cpu,
            2400,
            40 + rnd.nextDouble(-0.3, 0.3),
            14.4 + rnd.nextDouble(-0.05, 0.05),
            rnd.nextDouble(0, 0.2),
            rnd.nextDouble(0, 0.5),
            rnd.nextDouble(0, 0.05),
            rnd.nextDouble(0, 0.05)
          };
    }
    return rows;
  }

  @BeforeEach
  void train() {
    detector =
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
    quiet = quietHost(120, 1);
    model =
        DetectorModel.train(
            quiet, detector.minSpread(), IsolationForestParams.defaults(), 0L, Runnable::run);
  }

  @Test
  @DisplayName("fresh quiet samples are not flagged: no fixed share of false alarms")
  void quietIsQuiet() {
    long flagged =
        Arrays.stream(quietHost(1000, 2))
            .filter(r -> detector.evaluate(r, model, null).anomaly())
            .count();
    assertThat(flagged).isLessThanOrEqualTo(5);
  }

  @Test
  @DisplayName(
      "a given baseline (batch --window-size) replaces the model's for z-scores and expected values")
  void givenBaselineWins() {
    double[][] busier = new double[quiet.length][];
    for (int i = 0; i < quiet.length; i++) {
      busier[i] = quiet[i].clone();
      busier[i][0] += 60;
    }
    RobustBaseline recent = RobustBaseline.fit(busier, detector.minSpread());
    double[] sample = busier[3];
    Verdict againstModel = detector.evaluate(sample, model, null);
    Verdict againstRecent = detector.evaluate(sample, model, recent);
    assertThat(againstModel.zScores()[0]).isGreaterThan(10);
    assertThat(Math.abs(againstRecent.zScores()[0])).isLessThan(3);
    assertThat(againstRecent.expected()[0]).isCloseTo(recent.median(0), within(1e-9));
    assertThat(againstRecent.score()).isEqualTo(againstModel.score());
  }

  @Test
  @DisplayName(
      "a CPU burst is flagged with a reason naming CPU, CPU as the main contribution, and the expected level")
  void cpuBurstExplained() {
    double[] burst = quiet[0].clone();
    burst[0] = 85;
    Verdict v = detector.evaluate(burst, model, null);
    assertThat(v.anomaly()).isTrue();
    assertThat(v.reasons()).first().isEqualTo("High CPU usage detected");
    assertThat(v.severityFactors()).contains("CPU: 85.0%");
    assertThat(v.detectors())
        .extracting(Verdict.Detection::name)
        .contains("isolation_forest", "zscore");
    assertThat(v.contributions()[0]).isGreaterThan(80);
    assertThat(Arrays.stream(v.contributions()).sum()).isCloseTo(100.0, within(1e-9));
    assertThat(v.expected()[0]).isCloseTo(5.0, within(1.0));
    assertThat(v.score()).isLessThan(-0.5);
    assertThat(v.severity()).isIn(Severity.HIGH, Severity.CRITICAL);
  }

  @Test
  @DisplayName("a rule fires on its own and sets the severity it declares")
  void ruleFires() {
    double[] hot = quiet[0].clone();
    hot[0] = 99;
    Verdict v = detector.evaluate(hot, model, null);
    assertThat(v.firedRule()).isTrue();
    assertThat(v.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(v.detectors()).extracting(Verdict.Detection::name).contains("rule:cpu_critical");
  }

  @Test
  @DisplayName("before any model, the z-score alone flags and explains a clear deviation")
  void zscoreBeforeModel() {
    RobustBaseline baseline = RobustBaseline.fit(Arrays.copyOf(quiet, 8), detector.minSpread());
    double[] disk = quiet[0].clone();
    disk[5] = 120;
    Verdict v = detector.evaluate(disk, null, baseline);
    assertThat(v.anomaly()).isTrue();
    assertThat(Double.isNaN(v.score())).isTrue();
    assertThat(v.reasons()).containsExactly("High disk activity");
    assertThat(detector.evaluate(quiet[9], null, baseline).anomaly()).isFalse();
  }

  @Test
  @DisplayName("a flat metric with one blip does not make every later wiggle an anomaly")
  void spreadFloor() {
    double[][] flat = new double[50][];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = quiet[i].clone();
      flat[i][1] = 2400;
    }
    flat[7][1] = 2600;
    RobustBaseline baseline = RobustBaseline.fit(flat, detector.minSpread());
    assertThat(Math.abs(baseline.zScore(1, 2450))).isLessThan(3.0);
  }

  @Test
  @DisplayName(
      "a flagged sample that no threshold explains is named after the metric carrying most of the deviation")
  void dominantMetricNamesTheReason() {
    // A strong-score setting so low that the sample is flagged on its forest score alone.
    AnomalyDetector eager =
        new AnomalyDetector(
            MetricSample.METRICS, List.of(), new AnomalyDetector.Settings(3.0, -0.7, -0.5, -0.01));
    double[] mild = quiet[0].clone();
    mild[0] = 10.5; // CPU about 2 spreads above normal: under the z threshold
    Verdict v = eager.evaluate(mild, model, null);
    assertThat(v.anomaly()).isTrue();
    assertThat(v.contributions()[0]).isGreaterThan(50);
    // 10.5 % CPU is not high in absolute terms: the reason says what is unusual for this host
    assertThat(v.reasons()).singleElement().asString().startsWith("CPU far above its usual ");

    double[] flat = quiet[1].clone();
    Verdict spread = eager.evaluate(flat, model, null);
    assertThat(spread.reasons()).containsExactly("Unusual combination of system metrics");
  }

  @Test
  @DisplayName(
      "a deviation as large as the metric's routine spikes lately weighs little; an absolutely high value keeps its weight")
  void routineSpikesWeighLittle() {
    double[] spike = quiet[0].clone();
    spike[5] = 20; // disk write 20 MB/s on a host that writes 0.5
    Verdict fresh = detector.evaluate(spike, model, null);
    assertThat(fresh.anomaly()).isTrue();
    double[] tails = new double[spike.length];
    tails[5] = Math.abs(fresh.zScores()[5]);
    Verdict routine =
        detector.evaluate(
            spike, model, null, Double.NaN, false, new RecentPast.Snapshot(tails, null));
    assertThat(routine.level()).isLessThan(fresh.level() / 3).isLessThanOrEqualTo(1.0 + 1e-9);
    assertThat(routine.zScores())
        .as("the baseline's z-scores are kept for the tails")
        .containsExactly(fresh.zScores());
    assertThat(
            detector.level(
                spike,
                detector.evaluate(spike, model, null),
                model,
                new RecentPast.Snapshot(tails, null)))
        .as("the batch path computes the same level")
        .isCloseTo(routine.level(), within(1e-9));

    double[] hot = quiet[0].clone();
    hot[0] = 90; // CPU 90 %: high in absolute terms, however often it happens
    Verdict hotFresh = detector.evaluate(hot, model, null);
    double[] cpuTails = new double[hot.length];
    cpuTails[0] = Math.abs(hotFresh.zScores()[0]);
    Verdict hotRoutine =
        detector.evaluate(
            hot, model, null, Double.NaN, false, new RecentPast.Snapshot(cpuTails, null));
    assertThat(hotRoutine.level()).isCloseTo(hotFresh.level(), within(1e-9));
    assertThat(hotRoutine.reasons()).first().isEqualTo("High CPU usage detected");
  }

  @Test
  @DisplayName(
      "a value unusual here and high in absolute terms alarms by itself; one only unusual here does not")
  void absolutelyHighAlarms() {
    double[] hot = quiet[0].clone();
    hot[0] =
        85; // CPU 85 % on a host at 5 %: below the 95 % rule, but the original calls it high CPU
    // usage
    Verdict v = detector.evaluate(hot, model, null);
    assertThat(v.firedRule()).isFalse();
    assertThat(v.alarming()).isTrue();

    double[] busy = quiet[0].clone();
    busy[5] = 20; // disk write 20 MB/s: unusual here, not high in absolute terms
    Verdict w = detector.evaluate(busy, model, null);
    assertThat(w.anomaly()).isTrue();
    assertThat(w.alarming()).isFalse();

    AnomalyDetector routineCpu = detector;
    double[][] hotHost = quietHost(120, 5);
    for (double[] r : hotHost) {
      r[0] = 85 + r[0] - 5; // a host that always runs at about 85 %
    }
    DetectorModel hotModel =
        DetectorModel.train(
            hotHost, detector.minSpread(), IsolationForestParams.defaults(), 0L, Runnable::run);
    assertThat(routineCpu.evaluate(hotHost[7], hotModel, null).alarming())
        .as("85 %% is usual on this host")
        .isFalse();
  }
}
