package dev.mad.detect;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Grows one tree of an {@link IsolationForest} with scikit-learn's ExtraTree rules (max_features = 1,
 * random split) into the heap-ordered arrays the forest walks: node i's children are 2i and 2i+1, and
 * a leaf above the height limit is copied to every bottom slot under it.
 */
final class IsolationTreeGrower {
  /** One grown tree: split feature and threshold per node, leaf path length per bottom slot. */
  record Tree(int[] splitFeature, double[] splitThreshold, double[] leafPathLength) {}

  private final int[] splitFeature;
  private final double[] splitThreshold;
  private final double[] leafPathLength;

  private final int dims;
  private final int psi;
  private final int depth;
  private final SplittableRandom rng;

  /** The subsample column-major: feature f of sample s at f * psi + s. */
  private final double[] columns;

  /** Sample ids, partitioned in place so that every node owns a contiguous range. */
  private final int[] samples;

  /** Candidate features; constant ones are swapped to the back while choosing a split. */
  private final int[] candidates;

  /**
   * Draws {@code psi} of {@code rows} (validated, {@code dims} features each) without replacement and
   * grows a tree of height {@code depth} on them, taking every random number from {@code rng}.
   */
  static Tree grow(double[][] rows, int dims, int psi, int depth, SplittableRandom rng) {
    IsolationTreeGrower grower = new IsolationTreeGrower(rows, dims, psi, depth, rng);
    grower.growNode(1, 0, 0, psi);
    return new Tree(grower.splitFeature, grower.splitThreshold, grower.leafPathLength);
  }

  private IsolationTreeGrower(double[][] rows, int dims, int psi, int depth, SplittableRandom rng) {
    this.dims = dims;
    this.psi = psi;
    this.depth = depth;
    this.rng = rng;
    this.splitFeature = new int[1 << depth];
    this.splitThreshold = new double[1 << depth];
    this.leafPathLength = new double[1 << depth];
    long[] drawn = RandomSubset.indices(rows.length, psi, bound -> rng.nextInt((int) bound));
    this.columns = new double[dims * psi];
    for (int s = 0; s < psi; s++) {
      double[] row = rows[(int) drawn[s]];
      for (int f = 0; f < dims; f++) {
        columns[f * psi + s] = row[f];
      }
    }
    this.samples = new int[psi];
    for (int s = 0; s < psi; s++) {
      samples[s] = s;
    }
    this.candidates = new int[dims];
    for (int f = 0; f < dims; f++) {
      candidates[f] = f;
    }
  }

  // Recursion is bounded by the height limit ceil(log2(psi)), at most 31.
  private void growNode(int node, int level, int from, int to) {
    int size = to - from;
    if (level < depth && size >= 2) {
      // Drawing uniformly among the features not yet found constant is what sklearn's random
      // splitter does: constant features are skipped, and a node with none left becomes a leaf.
      // sklearn also counts a spread <= 1e-7 as constant; that absolute tolerance would ignore
      // features measured in small units, so only exact ties count here.
      int remaining = dims;
      while (remaining > 0) {
        int pick = rng.nextInt(remaining);
        int f = candidates[pick];
        int col = f * psi;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
          double v = columns[col + samples[i]];
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        if (max > min) {
          double split = min + rng.nextDouble() * (max - min);
          if (split >= max) {
            // Rounding can land on max, which would leave the right child empty.
            split = min;
          }
          int mid = partition(col, from, to, split);
          splitFeature[node] = f;
          // + 0.0 turns -0.0 into 0.0 (equal for every comparison), which SplitTest relies on.
          splitThreshold[node] = split + 0.0;
          growNode(node << 1, level + 1, from, mid);
          growNode((node << 1) | 1, level + 1, mid, to);
          return;
        }
        candidates[pick] = candidates[remaining - 1];
        candidates[remaining - 1] = f;
        remaining--;
      }
    }
    double value = level + IsolationForest.averagePathLength(size);
    int span = depth - level;
    int first = (node << span) - (1 << depth);
    Arrays.fill(leafPathLength, first, first + (1 << span), value);
  }

  /** Moves samples with value <= split to the front of [from, to); returns the first index of the rest. */
  private int partition(int col, int from, int to, double split) {
    int i = from;
    int j = to - 1;
    while (i <= j) {
      if (columns[col + samples[i]] <= split) {
        i++;
      } else {
        int tmp = samples[i];
        samples[i] = samples[j];
        samples[j] = tmp;
        j--;
      }
    }
    return i;
  }
}
