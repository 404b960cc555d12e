package dev.mad.detect;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-feature robust standardisation {@code (x - median) / scale} of the forest's input, with the scale
 * taken from the median absolute deviation (MAD) in standard-deviation units ({@link RobustStatistics}),
 * so transformed values read as robust z-scores.
 */
public final class RobustScaler {

  /**
   * Spreads at or below this fraction of |median| count as zero, so that floating-point noise around
   * a constant (0.1 + 0.2 versus 0.3) does not turn into enormous z-scores.
   */
  static final double NEGLIGIBLE_RELATIVE_SPREAD = 1e-9;

  private final double[] median;
  private final double[] scale;

  private RobustScaler(double[] median, double[] scale) {
    this.median = median;
    this.scale = scale;
  }

  /** A scaler as {@link ModelFile} stored it. */
  static RobustScaler restore(double[] median, double[] scale) {
    if (median.length != scale.length) {
      throw new IllegalArgumentException("median and scale differ in length");
    }
    return new RobustScaler(median.clone(), scale.clone());
  }

  double[] medians() {
    return median.clone();
  }

  double[] scales() {
    return scale.clone();
  }

  /** {@link #fit(double[][], double[])} without floors: only a constant feature gets the fallback scale 1. */
  public static RobustScaler fit(double[][] rows) {
    int dims = TrainingRows.validate(rows, 1, "a scaler");
    return fit(rows, new double[dims]);
  }

  /**
   * Learns each feature's median and scale. The scale is 1.4826 * MAD; when more than half the values
   * tie (MAD = 0) it falls back to sqrt(pi/2) * mean absolute deviation, as in Iglewicz and Hoaglin's
   * modified z-score. It is then raised to {@code minScale[f]}, the caller's floor in the feature's
   * units, so that a nearly flat metric does not turn every small wobble into a large z-score. A
   * constant feature with no floor gets scale 1, as in scikit-learn, so transforming never divides by 0.
   */
  public static RobustScaler fit(double[][] rows, double[] minScale) {
    int dims = TrainingRows.validate(rows, 1, "a scaler");
    Objects.requireNonNull(minScale, "minScale");
    if (minScale.length != dims) {
      throw new IllegalArgumentException(
          "minScale has " + minScale.length + " values but rows have " + dims + " features");
    }
    for (int f = 0; f < dims; f++) {
      if (!(minScale[f] >= 0.0 && minScale[f] < Double.POSITIVE_INFINITY)) {
        throw new IllegalArgumentException(
            "minScale[" + f + "] must be finite and >= 0, got " + minScale[f]);
      }
    }
    int n = rows.length;
    double[] medians = new double[dims];
    double[] scales = new double[dims];
    double[] column = new double[n];
    for (int f = 0; f < dims; f++) {
      for (int i = 0; i < n; i++) {
        column[i] = rows[i][f];
      }
      // Sorted first, so the scale does not depend on the order of the training rows.
      Arrays.sort(column);
      RobustStatistics stats = RobustStatistics.ofSorted(column);
      double med = stats.median();
      double negligible = NEGLIGIBLE_RELATIVE_SPREAD * Math.abs(med);
      double s = RobustStatistics.SIGMA_PER_MAD * stats.mad();
      if (s <= negligible) {
        s = RobustStatistics.SIGMA_PER_MEAN_ABS_DEVIATION * stats.meanAbsDeviation();
      }
      if (s <= negligible) {
        s = 0.0;
      }
      s = Math.max(s, minScale[f]);
      medians[f] = med;
      scales[f] = s > 0.0 ? s : 1.0;
    }
    return new RobustScaler(medians, scales);
  }

  /**
   * Writes {@code (in[f] - median(f)) / scale(f)} into {@code out[f]}; {@code in} and {@code out} may be
   * the same array. Non-finite inputs are passed through rather than rejected.
   */
  public void transform(double[] in, double[] out) {
    transform(in, out, 0);
  }

  /** As {@link #transform(double[], double[])}, writing at {@code out[offset ..]} (row-major blocks). */
  public void transform(double[] in, double[] out, int offset) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    int dims = median.length;
    if (in.length != dims) {
      throw new IllegalArgumentException(
          "expected a row of " + dims + " features, got " + in.length);
    }
    if (offset < 0 || out.length - offset < dims) {
      throw new IllegalArgumentException(
          "out has room for "
              + (out.length - offset)
              + " values at "
              + offset
              + " but "
              + dims
              + " are needed");
    }
    for (int f = 0; f < dims; f++) {
      out[offset + f] = (in[f] - median[f]) / scale[f];
    }
  }

  public double[] transform(double[] in) {
    double[] out = new double[median.length];
    transform(in, out);
    return out;
  }

  /** The robust z-score of one value of one feature. */
  public double transform(int feature, double value) {
    checkFeature(feature);
    return (value - median[feature]) / scale[feature];
  }

  public double median(int feature) {
    checkFeature(feature);
    return median[feature];
  }

  public double scale(int feature) {
    checkFeature(feature);
    return scale[feature];
  }

  public int dimensions() {
    return median.length;
  }

  @Override
  public String toString() {
    return "RobustScaler[median="
        + Arrays.toString(median)
        + ", scale="
        + Arrays.toString(scale)
        + "]";
  }

  private void checkFeature(int feature) {
    if (feature < 0 || feature >= median.length) {
      throw new IndexOutOfBoundsException(
          "feature " + feature + " out of range [0, " + median.length + ")");
    }
  }
}
