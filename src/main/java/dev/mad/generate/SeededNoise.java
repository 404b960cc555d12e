package dev.mad.generate;

import java.util.SplittableRandom;

/**
 * Random draws built only on {@link SplittableRandom#nextLong()} and {@link StrictMath}, whose results
 * are specified exactly, so a seed reproduces the same file on any JVM.
 */
final class SeededNoise {

  private final SplittableRandom random;
  private double spareGaussian;
  private boolean hasSpareGaussian;

  SeededNoise(long seed) {
    this(new SplittableRandom(seed));
  }

  private SeededNoise(SplittableRandom random) {
    this.random = random;
  }

  /** An independent stream, so one part of the model can draw more or less without shifting another. */
  SeededNoise split() {
    return new SeededNoise(random.split());
  }

  /** Uniform in [0, 1). */
  double uniform() {
    return (random.nextLong() >>> 11) * 0x1.0p-53;
  }

  double uniform(double min, double max) {
    return min + (max - min) * uniform();
  }

  int intBetween(int minInclusive, int maxInclusive) {
    return minInclusive + (int) (uniform() * (maxInclusive - minInclusive + 1));
  }

  /** Standard normal by the Marsaglia polar method. */
  double gaussian() {
    if (hasSpareGaussian) {
      hasSpareGaussian = false;
      return spareGaussian;
    }
    double u;
    double v;
    double s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double scale = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
    spareGaussian = v * scale;
    hasSpareGaussian = true;
    return u * scale;
  }
}
