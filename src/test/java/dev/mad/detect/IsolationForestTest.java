package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IsolationForestTest {

  private static final IsolationForestParams DEFAULTS = IsolationForestParams.defaults();

  private static double[][] gaussian(int n, int dims, long seed) {
    Random random = new Random(seed);
    double[][] rows = new double[n][dims];
    for (double[] row : rows) {
      for (int f = 0; f < dims; f++) {
        row[f] = random.nextGaussian();
      }
    }
    return rows;
  }

  private static double[] scores(IsolationForest forest, double[][] rows) {
    double[] out = new double[rows.length];
    forest.score(rows, out);
    return out;
  }

  @Test
  @DisplayName("c(n) follows 2H(n-1) - 2(n-1)/n with c(1) = 0 and c(2) = 1")
  void averagePathLength() {
    assertThat(IsolationForest.averagePathLength(1)).isEqualTo(0.0);
    assertThat(IsolationForest.averagePathLength(2)).isEqualTo(1.0);
    double expected256 = 2.0 * (Math.log(255) + 0.5772156649) - 2.0 * 255 / 256;
    assertThat(IsolationForest.averagePathLength(256)).isCloseTo(expected256, within(1e-9));
    assertThat(IsolationForest.averagePathLength(256)).isCloseTo(10.2447709, within(1e-6));
    assertThat(IsolationForest.averagePathLength(3))
        .isCloseTo(2.0 * (Math.log(2) + 0.5772156649) - 4.0 / 3.0, within(1e-9));
  }

  @Test
  @DisplayName("two training points: every tree isolates both at depth 1, so every score is -0.5")
  void twoPoints() {
    IsolationForest forest = IsolationForest.fit(new double[][] {{0.0}, {1.0}}, DEFAULTS);
    assertThat(forest.subsampleSize()).isEqualTo(2);
    assertThat(forest.score(new double[] {0.0})).isEqualTo(-0.5);
    assertThat(forest.score(new double[] {0.7})).isEqualTo(-0.5);
    assertThat(forest.score(new double[] {-100.0})).isEqualTo(-0.5);
    assertThat(forest.threshold()).isEqualTo(-0.5);
    assertThat(forest.isAnomaly(-0.5)).isFalse();
  }

  @Test
  @DisplayName(
      "constant training data cannot be split: every tree is one leaf and every score is -0.5")
  void constantData() {
    double[][] rows = new double[50][];
    Arrays.setAll(rows, i -> new double[] {3.0, -1.0});
    IsolationForest forest = IsolationForest.fit(rows, DEFAULTS);
    assertThat(forest.score(new double[] {3.0, -1.0})).isCloseTo(-0.5, within(1e-12));
    assertThat(forest.score(new double[] {1e6, 1e6})).isCloseTo(-0.5, within(1e-12));
    assertThat(forest.threshold()).isCloseTo(-0.5, within(1e-12));
  }

  @Test
  @DisplayName("a constant feature is never split on; the varying one still isolates the outlier")
  void constantFeatureIsSkipped() {
    double[][] rows = new double[200][];
    Random random = new Random(7);
    Arrays.setAll(rows, i -> new double[] {5.0, random.nextGaussian()});
    rows[0][1] = 12.0;
    IsolationForest forest = IsolationForest.fit(rows, DEFAULTS);
    double[] s = scores(forest, rows);
    int lowest = 0;
    for (int i = 1; i < s.length; i++) {
      if (s[i] < s[lowest]) {
        lowest = i;
      }
    }
    assertThat(lowest).isZero();
    assertThat(s[0]).isLessThan(-0.6);
  }

  @Test
  @DisplayName(
      "a +10 sigma point in 8-D scores below -0.6 while 1000 gaussian inliers average about -0.45")
  void clearOutlier() {
    double[][] rows = gaussian(1000, 8, 1);
    IsolationForest forest = IsolationForest.fit(rows, DEFAULTS);
    double[] inlierScores = scores(forest, rows);
    double mean = Arrays.stream(inlierScores).average().orElseThrow();
    assertThat(mean).isBetween(-0.5, -0.38);

    double[] outlier = new double[8];
    Arrays.fill(outlier, 10.0);
    double outlierScore = forest.score(outlier);
    assertThat(outlierScore).isLessThan(-0.6);
    assertThat(forest.isAnomaly(outlierScore)).isTrue();
    assertThat(forest.isAnomaly(forest.score(new double[8]))).isFalse();
    assertThat(Arrays.stream(inlierScores).min().orElseThrow()).isGreaterThan(outlierScore);
  }

  @Test
  @DisplayName(
      "scores lie in [-1, 0) and the single, batch and flat entry points agree bit for bit")
  void entryPointsAgree() {
    double[][] rows = gaussian(777, 5, 2);
    IsolationForest forest = IsolationForest.fit(rows, DEFAULTS);
    double[] batch = scores(forest, rows);
    double[] flat = new double[rows.length * 5];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * 5, 5);
    }
    double[] flatScores = new double[rows.length];
    forest.scoreFlat(flat, rows.length, flatScores);
    for (int i = 0; i < rows.length; i++) {
      double single = forest.score(rows[i]);
      assertThat(batch[i]).isEqualTo(single);
      assertThat(flatScores[i]).isEqualTo(single);
      assertThat(single).isGreaterThanOrEqualTo(-1.0).isLessThan(0.0);
    }
  }

  @Test
  @DisplayName("scores agree with a plain recursive isolation forest, up to sampling noise")
  void matchesReferenceImplementation() {
    double[][] rows = gaussian(1000, 4, 9);
    int trees = 500;
    IsolationForest forest = IsolationForest.fit(rows, DEFAULTS.withNEstimators(trees));
    ReferenceForest reference = new ReferenceForest(rows, trees, 256, new Random(10));
    double[][] probes = {
      rows[0],
      rows[1],
      rows[2],
      {0, 0, 0, 0},
      {2.5, -2.5, 0, 1},
      {6, 0, 0, 0},
      {6, 6, 6, 6},
      {-4, 4, -4, 4}
    };
    for (double[] probe : probes) {
      assertThat(forest.score(probe))
          .as("score of %s", Arrays.toString(probe))
          .isCloseTo(reference.score(probe), within(0.015));
    }
  }

  /** Textbook recursive isolation trees with explicit nodes, to cross-check the flat heap layout. */
  private static final class ReferenceForest {
    private record Node(int feature, double threshold, Node left, Node right, int size) {}

    private final Node[] roots;
    private final int psi;

    ReferenceForest(double[][] rows, int trees, int maxSamples, Random random) {
      psi = Math.min(maxSamples, rows.length);
      int limit = (int) Math.ceil(Math.log(psi) / Math.log(2));
      roots = new Node[trees];
      for (int t = 0; t < trees; t++) {
        List<double[]> shuffled = new ArrayList<>(Arrays.asList(rows));
        Collections.shuffle(shuffled, random);
        roots[t] = grow(shuffled.subList(0, psi), 0, limit, random);
      }
    }

    private static Node grow(List<double[]> sample, int depth, int limit, Random random) {
      int dims = sample.get(0).length;
      if (depth < limit && sample.size() > 1) {
        List<Integer> features = new ArrayList<>();
        for (int f = 0; f < dims; f++) {
          int feature = f;
          double min = sample.stream().mapToDouble(r -> r[feature]).min().orElseThrow();
          double max = sample.stream().mapToDouble(r -> r[feature]).max().orElseThrow();
          if (max > min) {
            features.add(f);
          }
        }
        if (!features.isEmpty()) {
          int f = features.get(random.nextInt(features.size()));
          double min = sample.stream().mapToDouble(r -> r[f]).min().orElseThrow();
          double max = sample.stream().mapToDouble(r -> r[f]).max().orElseThrow();
          double split = min + random.nextDouble() * (max - min);
          List<double[]> left = sample.stream().filter(r -> r[f] <= split).toList();
          List<double[]> right = sample.stream().filter(r -> r[f] > split).toList();
          return new Node(
              f,
              split,
              grow(left, depth + 1, limit, random),
              grow(right, depth + 1, limit, random),
              sample.size());
        }
      }
      return new Node(-1, 0, null, null, sample.size());
    }

    double score(double[] x) {
      double total = 0;
      for (Node root : roots) {
        Node node = root;
        int depth = 0;
        while (node.left() != null) {
          node = x[node.feature()] <= node.threshold() ? node.left() : node.right();
          depth++;
        }
        total += depth + IsolationForest.averagePathLength(node.size());
      }
      return -Math.pow(2, -(total / roots.length) / IsolationForest.averagePathLength(psi));
    }
  }

  @Test
  @DisplayName("the same seed gives identical scores, a different seed different ones")
  void seeds() {
    double[][] rows = gaussian(500, 4, 3);
    double[] a = scores(IsolationForest.fit(rows, DEFAULTS.withRandomSeed(11)), rows);
    double[] b = scores(IsolationForest.fit(rows, DEFAULTS.withRandomSeed(11)), rows);
    double[] c = scores(IsolationForest.fit(rows, DEFAULTS.withRandomSeed(12)), rows);
    assertThat(b).containsExactly(a);
    assertThat(c).isNotEqualTo(a);
  }

  @Test
  @DisplayName(
      "parallel fits (common pool, thread pool) equal the single-threaded fit for the same seed")
  void parallelEqualsSequential() throws Exception {
    double[][] rows = gaussian(40_000, 6, 4);
    IsolationForest sequential = IsolationForest.fit(rows, DEFAULTS, Runnable::run);
    IsolationForest commonPool = IsolationForest.fit(rows, DEFAULTS);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    IsolationForest threadPool;
    try {
      threadPool = IsolationForest.fit(rows, DEFAULTS, pool);
    } finally {
      pool.shutdown();
    }
    double[] expected = scores(sequential, rows);
    assertThat(scores(commonPool, rows)).containsExactly(expected);
    assertThat(scores(threadPool, rows)).containsExactly(expected);
    assertThat(commonPool.threshold()).isEqualTo(sequential.threshold());
    assertThat(threadPool.threshold()).isEqualTo(sequential.threshold());
  }

  @Test
  @DisplayName(
      "the threshold is the contamination percentile of training scores and flags that share")
  void thresholdFlagsContamination() {
    double[][] rows = gaussian(2000, 8, 5);
    for (double contamination : new double[] {0.01, 0.05, 0.1, 0.5}) {
      IsolationForest forest = IsolationForest.fit(rows, DEFAULTS.withContamination(contamination));
      double[] s = scores(forest, rows);
      long flagged = Arrays.stream(s).filter(forest::isAnomaly).count();
      assertThat((double) flagged / rows.length).isCloseTo(contamination, within(0.002));

      double[] sorted = s.clone();
      Arrays.sort(sorted);
      double position = contamination * (sorted.length - 1);
      int lower = (int) Math.floor(position);
      double expected = sorted[lower] + (sorted[lower + 1] - sorted[lower]) * (position - lower);
      assertThat(forest.threshold()).isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  @DisplayName("the percentile matches numpy's linear interpolation, including ties and both ends")
  void percentile() {
    assertThat(IsolationForest.percentile(new double[] {4, 1, 3, 2}, 0.5)).isEqualTo(2.5);
    assertThat(IsolationForest.percentile(new double[] {4, 1, 3, 2}, 0.0)).isEqualTo(1.0);
    assertThat(IsolationForest.percentile(new double[] {4, 1, 3, 2}, 1.0)).isEqualTo(4.0);
    assertThat(IsolationForest.percentile(new double[] {5, 5, 5, 5, 5}, 0.05)).isEqualTo(5.0);
    // numpy.percentile(range(1, 11), 5) == 1.45
    double[] values = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    assertThat(IsolationForest.percentile(values, 0.05)).isCloseTo(1.45, within(1e-12));
  }

  @Test
  @DisplayName("scaling every feature by a power of two leaves the scores unchanged")
  void scaleInvariance() {
    double[][] rows = gaussian(600, 3, 6);
    double[][] scaled = new double[rows.length][3];
    for (int i = 0; i < rows.length; i++) {
      for (int f = 0; f < 3; f++) {
        scaled[i][f] = rows[i][f] * 8.0;
      }
    }
    double[] original = scores(IsolationForest.fit(rows, DEFAULTS), rows);
    double[] rescaled = scores(IsolationForest.fit(scaled, DEFAULTS), scaled);
    assertThat(rescaled).containsExactly(original);
  }

  @Test
  @DisplayName("the subsample is min(maxSamples, rows) and the fitted shape is reported")
  void shape() {
    IsolationForest small = IsolationForest.fit(gaussian(100, 3, 7), DEFAULTS);
    assertThat(small.subsampleSize()).isEqualTo(100);
    assertThat(small.trainingSize()).isEqualTo(100);
    assertThat(small.dimensions()).isEqualTo(3);
    assertThat(small.params()).isEqualTo(DEFAULTS);

    IsolationForest large = IsolationForest.fit(gaussian(1000, 2, 7), DEFAULTS.withMaxSamples(300));
    assertThat(large.subsampleSize()).isEqualTo(300);
  }

  @Test
  @DisplayName(
      "fitting rejects empty, ragged and non-finite input with a message naming the problem")
  void fitValidation() {
    assertThatThrownBy(() -> IsolationForest.fit(new double[0][], DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 rows");
    assertThatThrownBy(() -> IsolationForest.fit(new double[][] {{1, 2}}, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 2");
    assertThatThrownBy(() -> IsolationForest.fit(new double[][] {{}, {}}, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no features");
    assertThatThrownBy(() -> IsolationForest.fit(new double[][] {{1, 2}, {3, 4}, {5}}, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ragged rows: row 2 has 1 features but row 0 has 2");
    assertThatThrownBy(
            () -> IsolationForest.fit(new double[][] {{1, 2}, {3, Double.NaN}}, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("row 1, feature 1 is NaN");
    assertThatThrownBy(
            () ->
                IsolationForest.fit(
                    new double[][] {{Double.NEGATIVE_INFINITY, 2}, {3, 4}}, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("row 0, feature 0 is infinite");
    assertThatThrownBy(() -> IsolationForest.fit(new double[][] {{1}, null}, DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("row 1 is null");
  }

  @Test
  @DisplayName("scoring rejects rows of the wrong width, non-finite values and undersized outputs")
  void scoreValidation() {
    IsolationForest forest = IsolationForest.fit(gaussian(64, 3, 8), DEFAULTS);
    assertThatThrownBy(() -> forest.score(new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected a row of 3 features, got 2");
    assertThatThrownBy(() -> forest.score(new double[] {0, Double.POSITIVE_INFINITY, 0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("row 0, feature 1 is infinite");
    assertThatThrownBy(() -> forest.score(new double[][] {{0, 0, 0}, {0, 0}}, new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("row 1 has 2 features, expected 3");
    assertThatThrownBy(() -> forest.score(new double[][] {{0, 0, 0}, {0, 0, 0}}, new double[1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out has room for 1");
    assertThatThrownBy(() -> forest.scoreFlat(new double[5], 2, new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rowMajor holds 5 values but 2 rows of 3 features need 6");
    assertThatThrownBy(
            () -> forest.scoreFlat(new double[] {0, 0, 0, 0, Double.NaN, 0}, 2, new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("row 1, feature 1 is NaN");
  }

  @Test
  @DisplayName(
      "parameters are validated with messages naming the parameter, and defaults match sklearn")
  void paramsValidation() {
    assertThat(DEFAULTS).isEqualTo(new IsolationForestParams(100, 256, 0.05, 42L));
    assertThatThrownBy(() -> new IsolationForestParams(0, 256, 0.05, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nEstimators");
    assertThatThrownBy(() -> new IsolationForestParams(100, 1, 0.05, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxSamples");
    assertThatThrownBy(() -> new IsolationForestParams(100, 256, 0.0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contamination");
    assertThatThrownBy(() -> new IsolationForestParams(100, 256, 0.51, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contamination");
    assertThatThrownBy(() -> new IsolationForestParams(100, 256, Double.NaN, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contamination");
    assertThat(new IsolationForestParams(1, 2, 0.5, -1).contamination()).isEqualTo(0.5);
  }
}
