package dev.mad.detect;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fit and score throughput at default parameters (100 trees, psi 256) on 8 gaussian features.
 * One op is one full pass over {@code rows}, so rows/s = ops/s * rows; bench/forest.sh does the product.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgs = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class IsolationForestBenchmark {

  private static final int DIMENSIONS = 8;

  @Param({"10000", "100000", "1000000"})
  public int rows;

  private double[][] data;
  private double[] flat;
  private double[] out;
  private IsolationForest model;
  private final IsolationForestParams params = IsolationForestParams.defaults();

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(1);
    data = new double[rows][DIMENSIONS];
    flat = new double[rows * DIMENSIONS];
    for (int i = 0; i < rows; i++) {
      for (int f = 0; f < DIMENSIONS; f++) {
        double v = gaussian(random);
        data[i][f] = v;
        flat[i * DIMENSIONS + f] = v;
      }
    }
    out = new double[rows];
    model = IsolationForest.fit(data, params, Runnable::run);
  }

  /** Single-threaded, comparable with scikit-learn's n_jobs=1 fit (trees plus the offset_ pass). */
  @Benchmark
  public IsolationForest fit() {
    return IsolationForest.fit(data, params, Runnable::run);
  }

  /** The default fit: calling thread plus the common pool. */
  @Benchmark
  public IsolationForest fitParallel() {
    return IsolationForest.fit(data, params);
  }

  /** Single-threaded scoring from a row-major array. */
  @Benchmark
  public double[] scoreFlat() {
    model.scoreFlat(flat, rows, out);
    return out;
  }

  /** Single-threaded scoring from double[][] rows. */
  @Benchmark
  public double[] scoreRows() {
    model.score(data, out);
    return out;
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
    double u = 1.0 - random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * random.nextDouble());
  }
}
