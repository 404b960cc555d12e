package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IsolationTreeGrowerTest {

  private static double[][] distinctRows(int n, int dims, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] rows = new double[n][dims];
    for (double[] row : rows) {
      for (int f = 0; f < dims; f++) {
        row[f] = random.nextDouble(-5, 5);
      }
    }
    return rows;
  }

  /** The bottom slot a row reaches, walking the heap with sklearn's rule (x <= threshold goes left). */
  private static int slot(IsolationTreeGrower.Tree tree, int depth, double[] x) {
    int bottom = 1 << depth;
    int node = 1;
    while (node < bottom) {
      node = 2 * node + (x[tree.splitFeature()[node]] > tree.splitThreshold()[node] ? 1 : 0);
    }
    return node - bottom;
  }

  @Test
  @DisplayName(
      "each leaf's path length is its depth + c(rows that reached it): an isolated row its depth, a full-depth leaf depth + c(m)")
  void leafPathLengths() {
    int psi = 64;
    int depth = 6;
    for (long seed = 0; seed < 20; seed++) {
      double[][] rows = distinctRows(psi, 3, 100 + seed);
      // psi == rows: the subsample is every row, so the test knows what each tree was grown on
      IsolationTreeGrower.Tree tree =
          IsolationTreeGrower.grow(rows, 3, psi, depth, new SplittableRandom(seed));
      assertThat(tree.leafPathLength()).hasSize(1 << depth);
      Map<Integer, Integer> rowsPerSlot = new HashMap<>();
      for (double[] row : rows) {
        rowsPerSlot.merge(slot(tree, depth, row), 1, Integer::sum);
      }
      for (Map.Entry<Integer, Integer> e : rowsPerSlot.entrySet()) {
        double value = tree.leafPathLength()[e.getKey()];
        int m = e.getValue();
        if (m >= 2) {
          // only the height limit stops a split of distinct rows
          assertThat(value)
              .as("seed %d, slot %d holding %d rows", seed, e.getKey(), m)
              .isEqualTo(depth + IsolationForest.averagePathLength(m));
        } else {
          assertThat(value)
              .as("seed %d, slot %d holding one row", seed, e.getKey())
              .isBetween(1.0, (double) depth)
              .isEqualTo(Math.rint(value));
        }
      }
    }
  }

  @Test
  @DisplayName(
      "identical rows cannot be split: the root is the only leaf and every bottom slot holds c(psi)")
  void identicalRows() {
    double[][] rows = new double[300][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new double[] {1.5, -2.0};
    }
    IsolationTreeGrower.Tree tree =
        IsolationTreeGrower.grow(rows, 2, 256, 8, new SplittableRandom(3));
    assertThat(tree.leafPathLength()).containsOnly(IsolationForest.averagePathLength(256));
  }

  @Test
  @DisplayName(
      "a constant feature is never split on, and thresholds are never -0.0 (the split test relies on it)")
  void splits() {
    SplittableRandom data = new SplittableRandom(8);
    double[][] rows = new double[1000][];
    for (int i = 0; i < rows.length; i++) {
      // feature 1 is constant; feature 0 takes values around and at both zeros
      double v =
          data.nextInt(5) == 0
              ? (data.nextBoolean() ? 0.0 : -0.0)
              : data.nextDouble(-1e-300, 1e-300);
      rows[i] = new double[] {v, 7.0, data.nextGaussian()};
    }
    for (long seed = 0; seed < 50; seed++) {
      IsolationTreeGrower.Tree tree =
          IsolationTreeGrower.grow(rows, 3, 256, 8, new SplittableRandom(seed));
      for (int node = 1; node < 256; node++) {
        assertThat(Double.doubleToRawLongBits(tree.splitThreshold()[node]))
            .isNotEqualTo(Long.MIN_VALUE);
        if (tree.splitThreshold()[node] != 0.0) {
          assertThat(tree.splitFeature()[node]).as("node %d", node).isNotEqualTo(1);
        }
      }
    }
  }

  @Test
  @DisplayName("a seed grows the same tree from the same rows, another seed a different one")
  void seeds() {
    double[][] rows = distinctRows(2000, 4, 1);
    IsolationTreeGrower.Tree a =
        IsolationTreeGrower.grow(rows, 4, 256, 8, new SplittableRandom(42));
    IsolationTreeGrower.Tree b =
        IsolationTreeGrower.grow(rows, 4, 256, 8, new SplittableRandom(42));
    IsolationTreeGrower.Tree c =
        IsolationTreeGrower.grow(rows, 4, 256, 8, new SplittableRandom(43));
    assertThat(b.splitFeature()).isEqualTo(a.splitFeature());
    assertThat(b.splitThreshold()).isEqualTo(a.splitThreshold());
    assertThat(b.leafPathLength()).isEqualTo(a.leafPathLength());
    assertThat(c.splitThreshold()).isNotEqualTo(a.splitThreshold());
  }
}
