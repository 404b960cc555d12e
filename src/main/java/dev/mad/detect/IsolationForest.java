package dev.mad.detect;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Isolation forest (Liu, Ting and Zhou, 2008) whose scores, threshold and tree-growing rules follow
 * scikit-learn's {@code IsolationForest}; immutable and safe to share between threads once fitted.
 * This class fits and scores the ensemble; {@link IsolationTreeGrower} grows each tree.
 */
public final class IsolationForest {

  private static final double EULER_GAMMA = 0.5772156649015329;
  private static final double LN_2 = Math.log(2.0);

  /**
   * Rows scored together per tree, so that one tree's nodes stay in L1 while the block walks it; a
   * multiple of the six walks interleaved in {@link #scoreBlock}.
   */
  private static final int SCORE_BLOCK = 240;

  /** Training rows per parallel task when computing the training scores for the threshold. */
  private static final int FIT_SCORE_CHUNK = 16_384;

  private final IsolationForestParams params;
  private final int dimensions;
  private final int trainingSize;
  private final int subsampleSize;
  private final int nTrees;

  /*
   * Each tree is a perfect binary tree of height `depth` (sklearn's height limit ceil(log2(psi))) in
   * heap order: node i has children 2i and 2i+1, the root is 1 and slot 0 is unused, so no child
   * pointers are stored. A leaf shallower than `depth` has its value copied to every bottom slot under
   * it, which lets the padding nodes below it route either way. Scoring is then exactly `depth`
   * branch-free steps per tree, and a walk ends at heap index 2^depth + (bottom slot).
   */
  private final int depth;

  /** [tree][node]: feature compared at each internal node. */
  private final int[][] splitFeature;

  /** [tree][node]: rows with x[feature] <= threshold go left, as in sklearn. */
  private final double[][] splitThreshold;

  /** [tree][bottom slot]: depth of the leaf + c(training samples that reached it), as in sklearn. */
  private final double[][] leafPathLength;

  /** ln 2 / (nTrees * c(psi)), so that a row's score is -exp(-sumOfPathLengths * scoreScale). */
  private final double scoreScale;

  private final double threshold;

  private IsolationForest(
      IsolationForestParams params,
      int dimensions,
      int trainingSize,
      int subsampleSize,
      int depth,
      int[][] splitFeature,
      double[][] splitThreshold,
      double[][] leafPathLength,
      double threshold) {
    this.params = params;
    this.dimensions = dimensions;
    this.trainingSize = trainingSize;
    this.subsampleSize = subsampleSize;
    this.nTrees = params.nEstimators();
    this.depth = depth;
    this.splitFeature = splitFeature;
    this.splitThreshold = splitThreshold;
    this.leafPathLength = leafPathLength;
    this.scoreScale = LN_2 / (nTrees * averagePathLength(subsampleSize));
    this.threshold = threshold;
  }

  /**
   * A forest as {@link ModelFile} stored it; checks the shapes, so a damaged file cannot make a
   * forest that walks out of its arrays.
   */
  static IsolationForest restore(
      IsolationForestParams params,
      int dimensions,
      int trainingSize,
      int subsampleSize,
      int depth,
      int[][] splitFeature,
      double[][] splitThreshold,
      double[][] leafPathLength,
      double threshold) {
    int nodes = 1 << depth;
    if (depth < 1 || depth > 24 || dimensions < 1 || subsampleSize < 2) {
      throw new IllegalArgumentException("implausible forest shape");
    }
    if (splitFeature.length != params.nEstimators()
        || splitThreshold.length != params.nEstimators()
        || leafPathLength.length != params.nEstimators()) {
      throw new IllegalArgumentException("tree count differs from n_estimators");
    }
    for (int t = 0; t < splitFeature.length; t++) {
      if (splitFeature[t].length != nodes
          || splitThreshold[t].length != nodes
          || leafPathLength[t].length != nodes) {
        throw new IllegalArgumentException("tree " + t + " has the wrong size");
      }
      for (int f : splitFeature[t]) {
        if (f < 0 || f >= dimensions) {
          throw new IllegalArgumentException(
              "tree " + t + " splits on a feature that does not exist");
        }
      }
    }
    return new IsolationForest(
        params,
        dimensions,
        trainingSize,
        subsampleSize,
        depth,
        splitFeature,
        splitThreshold,
        leafPathLength,
        threshold);
  }

  int depth() {
    return depth;
  }

  int[][] splitFeatures() {
    return splitFeature;
  }

  double[][] splitThresholds() {
    return splitThreshold;
  }

  double[][] leafPathLengths() {
    return leafPathLength;
  }

  private IsolationForest withThreshold(double value) {
    return new IsolationForest(
        params,
        dimensions,
        trainingSize,
        subsampleSize,
        depth,
        splitFeature,
        splitThreshold,
        leafPathLength,
        value);
  }

  /** Fits on the caller's thread plus the common fork-join pool. */
  public static IsolationForest fit(double[][] rows, IsolationForestParams params) {
    return fit(rows, params, IsolationForest::forEachParallelStream);
  }

  /**
   * Fits with trees (and the training-score pass) spread over {@code executor}; pass
   * {@code Runnable::run} for a single-threaded fit. The result does not depend on the executor.
   */
  public static IsolationForest fit(
      double[][] rows, IsolationForestParams params, Executor executor) {
    Objects.requireNonNull(executor, "executor");
    return fit(rows, params, (count, body) -> forEachOnExecutor(count, body, executor));
  }

  private static IsolationForest fit(
      double[][] rows, IsolationForestParams params, ParallelLoop loop) {
    Objects.requireNonNull(params, "params");
    int dims = TrainingRows.validate(rows, 2, "an isolation forest");
    int n = rows.length;
    int psi = Math.min(params.maxSamples(), n);
    int depth = 32 - Integer.numberOfLeadingZeros(psi - 1); // ceil(log2(psi)) for psi >= 2
    int trees = params.nEstimators();

    // Streams are split off in tree order on this thread, so scheduling cannot change them.
    SplittableRandom root = new SplittableRandom(params.randomSeed());
    SplittableRandom[] streams = new SplittableRandom[trees];
    for (int t = 0; t < trees; t++) {
      streams[t] = root.split();
    }
    int[][] features = new int[trees][];
    double[][] thresholds = new double[trees][];
    double[][] leaves = new double[trees][];
    loop.forEach(
        trees,
        t -> {
          IsolationTreeGrower.Tree tree =
              IsolationTreeGrower.grow(rows, dims, psi, depth, streams[t]);
          features[t] = tree.splitFeature();
          thresholds[t] = tree.splitThreshold();
          leaves[t] = tree.leafPathLength();
        });

    IsolationForest unthresholded =
        new IsolationForest(params, dims, n, psi, depth, features, thresholds, leaves, Double.NaN);
    double[] trainingScores = new double[n];
    int chunks = (n + FIT_SCORE_CHUNK - 1) / FIT_SCORE_CHUNK;
    loop.forEach(
        chunks,
        c -> {
          int from = c * FIT_SCORE_CHUNK;
          unthresholded.scoreRows(rows, from, Math.min(n, from + FIT_SCORE_CHUNK), trainingScores);
        });
    return unthresholded.withThreshold(percentile(trainingScores, params.contamination()));
  }

  /**
   * sklearn's {@code score_samples}: {@code -2^(-E[h(x)] / c(psi))}, in [-1, 0). Typical points score
   * around -0.5 and lower means more anomalous.
   */
  public double score(double[] x) {
    Objects.requireNonNull(x, "x");
    if (x.length != dimensions) {
      throw new IllegalArgumentException(
          "expected a row of " + dimensions + " features, got " + x.length);
    }
    TrainingRows.checkFinite(x, 0, dimensions, 0);
    int bottom = 1 << depth;
    double sum = 0.0;
    for (int t = 0; t < nTrees; t++) {
      sum += leafPathLength[t][walk(splitFeature[t], splitThreshold[t], bottom, x, 0) - bottom];
    }
    return -Math.exp(-sum * scoreScale);
  }

  /** Scores {@code rows[i]} into {@code out[i]}; equal to {@link #score(double[])} row by row. */
  public void score(double[][] rows, double[] out) {
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(out, "out");
    if (out.length < rows.length) {
      throw new IllegalArgumentException(
          "out has room for " + out.length + " scores but there are " + rows.length + " rows");
    }
    for (int i = 0; i < rows.length; i++) {
      double[] row = rows[i];
      if (row == null) {
        throw new IllegalArgumentException("row " + i + " is null");
      }
      if (row.length != dimensions) {
        throw new IllegalArgumentException(
            "row " + i + " has " + row.length + " features, expected " + dimensions);
      }
      TrainingRows.checkFinite(row, 0, dimensions, i);
    }
    scoreRows(rows, 0, rows.length, out);
  }

  /**
   * Scores {@code n} rows stored row-major in {@code rowMajor} (row i at offset {@code i * dimensions()})
   * into {@code out[0..n)}; the fastest entry point because no row is copied.
   */
  public void scoreFlat(double[] rowMajor, int n, double[] out) {
    Objects.requireNonNull(rowMajor, "rowMajor");
    Objects.requireNonNull(out, "out");
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    long needed = (long) n * dimensions;
    if (rowMajor.length < needed) {
      throw new IllegalArgumentException(
          "rowMajor holds "
              + rowMajor.length
              + " values but "
              + n
              + " rows of "
              + dimensions
              + " features need "
              + needed);
    }
    if (out.length < n) {
      throw new IllegalArgumentException(
          "out has room for " + out.length + " scores but n is " + n);
    }
    for (int i = 0; i < n; i++) {
      TrainingRows.checkFinite(rowMajor, i * dimensions, dimensions, i);
    }
    double[] acc = new double[SCORE_BLOCK];
    for (int from = 0; from < n; from += SCORE_BLOCK) {
      int count = Math.min(SCORE_BLOCK, n - from);
      scoreBlock(rowMajor, from * dimensions, count, acc);
      finishBlock(acc, count, out, from);
    }
  }

  /** The contamination quantile of the training scores (sklearn's {@code offset_}). */
  public double threshold() {
    return threshold;
  }

  /** True when {@code score} is strictly below {@link #threshold()}, as sklearn's {@code predict == -1}. */
  public boolean isAnomaly(double score) {
    return score < threshold;
  }

  public int dimensions() {
    return dimensions;
  }

  public int trainingSize() {
    return trainingSize;
  }

  /** Rows drawn per tree: {@code min(maxSamples, trainingSize)}. */
  public int subsampleSize() {
    return subsampleSize;
  }

  public IsolationForestParams params() {
    return params;
  }

  /*
   * c(n) = 2 H(n - 1) - 2 (n - 1) / n, with H(i) = ln(i) + 0.5772156649 (Euler's constant), c(1) = 0
   * and c(2) = 1: the average path length of an unsuccessful search in a binary search tree built
   * from n points. It normalises E[h(x)] in the score and accounts for the depth a leaf holding n
   * samples would have reached had the tree been grown further.
   */
  public static double averagePathLength(int n) {
    if (n <= 1) {
      return 0.0;
    }
    if (n == 2) {
      return 1.0;
    }
    double m = n - 1.0;
    return 2.0 * (Math.log(m) + EULER_GAMMA) - 2.0 * m / n;
  }

  @Override
  public String toString() {
    return "IsolationForest[trees="
        + nTrees
        + ", subsample="
        + subsampleSize
        + ", dimensions="
        + dimensions
        + ", trainingSize="
        + trainingSize
        + ", threshold="
        + threshold
        + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Scoring kernels

  /** Scores rows[from, to) (already validated) by copying them block-wise into a flat buffer. */
  private void scoreRows(double[][] rows, int from, int to, double[] out) {
    int d = dimensions;
    double[] buffer = new double[SCORE_BLOCK * d];
    double[] acc = new double[SCORE_BLOCK];
    for (int start = from; start < to; start += SCORE_BLOCK) {
      int count = Math.min(SCORE_BLOCK, to - start);
      for (int r = 0; r < count; r++) {
        System.arraycopy(rows[start + r], 0, buffer, r * d, d);
      }
      scoreBlock(buffer, 0, count, acc);
      finishBlock(acc, count, out, start);
    }
  }

  /**
   * Sums path lengths of {@code count} row-major rows starting at {@code offset} into acc[0..count).
   * Tree-major order keeps one tree hot in L1 while the block walks it; trees are added in index
   * order so the sums are bit-identical to {@link #score(double[])}.
   */
  private void scoreBlock(double[] x, int offset, int count, double[] acc) {
    int bottom = 1 << depth;
    int dims = dimensions;
    Arrays.fill(acc, 0, count, 0.0);
    for (int t = 0; t < nTrees; t++) {
      int[] f = splitFeature[t];
      double[] s = splitThreshold[t];
      double[] leaf = leafPathLength[t];
      int r = 0;
      // A walk is a chain of dependent loads, so six independent walks per pass let the CPU overlap
      // their latencies: about three times the throughput of one walk at a time. Eight measured no
      // faster, as their state no longer fits in registers.
      for (; r + 6 <= count; r += 6) {
        int x0 = offset + r * dims;
        int x1 = x0 + dims;
        int x2 = x1 + dims;
        int x3 = x2 + dims;
        int x4 = x3 + dims;
        int x5 = x4 + dims;
        int n0 = 1, n1 = 1, n2 = 1, n3 = 1, n4 = 1, n5 = 1;
        // All six descend in lockstep, so the first one's level bounds them all.
        while (n0 < bottom) {
          n0 = n0 + n0 + SplitTest.right(x[x0 + f[n0]], s[n0]);
          n1 = n1 + n1 + SplitTest.right(x[x1 + f[n1]], s[n1]);
          n2 = n2 + n2 + SplitTest.right(x[x2 + f[n2]], s[n2]);
          n3 = n3 + n3 + SplitTest.right(x[x3 + f[n3]], s[n3]);
          n4 = n4 + n4 + SplitTest.right(x[x4 + f[n4]], s[n4]);
          n5 = n5 + n5 + SplitTest.right(x[x5 + f[n5]], s[n5]);
        }
        acc[r] += leaf[n0 - bottom];
        acc[r + 1] += leaf[n1 - bottom];
        acc[r + 2] += leaf[n2 - bottom];
        acc[r + 3] += leaf[n3 - bottom];
        acc[r + 4] += leaf[n4 - bottom];
        acc[r + 5] += leaf[n5 - bottom];
      }
      for (; r < count; r++) {
        acc[r] += leaf[walk(f, s, bottom, x, offset + r * dims) - bottom];
      }
    }
  }

  /** Descends one tree for the row at {@code offset}; returns the heap index reached at the bottom. */
  private static int walk(int[] feature, double[] threshold, int bottom, double[] x, int offset) {
    int node = 1;
    while (node < bottom) {
      node = node + node + SplitTest.right(x[offset + feature[node]], threshold[node]);
    }
    return node;
  }

  private void finishBlock(double[] acc, int count, double[] out, int outOffset) {
    double scale = scoreScale;
    for (int r = 0; r < count; r++) {
      out[outOffset + r] = -Math.exp(-acc[r] * scale);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** numpy's default ("linear") percentile of {@code values} at {@code fraction}; reorders the array. */
  static double percentile(double[] values, double fraction) {
    int n = values.length;
    double position = fraction * (n - 1);
    int lower = (int) Math.floor(position);
    double t = position - lower;
    double a = Selection.select(values, values.length, lower);
    if (t == 0.0 || lower + 1 >= n) {
      return a;
    }
    // select() left everything above index `lower` unsorted but >= a; the next order statistic is
    // its minimum.
    double b = values[lower + 1];
    for (int i = lower + 2; i < n; i++) {
      b = Math.min(b, values[i]);
    }
    // numpy interpolates from the nearer end, which keeps the result within [a, b] under rounding.
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
  }

  @FunctionalInterface
  private interface ParallelLoop {
    void forEach(int count, IntConsumer body);
  }

  /** Parallel streams let the calling thread work too, which matters on 2 cores (common pool size 1). */
  private static void forEachParallelStream(int count, IntConsumer body) {
    IntStream.range(0, count).parallel().forEach(body);
  }

  private static void forEachOnExecutor(int count, IntConsumer body, Executor executor) {
    CompletableFuture<?>[] tasks = new CompletableFuture<?>[count];
    for (int i = 0; i < count; i++) {
      int index = i;
      tasks[i] = CompletableFuture.runAsync(() -> body.accept(index), executor);
    }
    try {
      CompletableFuture.allOf(tasks).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
