package dev.mad.detect;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-feature robust standardisation {@code (x - median) / scale}, where scale is the interquartile range
 * expressed in standard-deviation units, so transformed values read as outlier-resistant z-scores.
 */
public final class RobustScaler {

    /** IQR of the standard normal distribution (2 * 0.674489...): IQR / this estimates sigma. */
    static final double IQR_PER_SIGMA = 1.3489795003921634;

    /** E|X - mu| of a normal is sigma * sqrt(2 / pi): mean absolute deviation * this estimates sigma. */
    static final double SIGMA_PER_MEAN_ABS_DEVIATION = Math.sqrt(Math.PI / 2.0);

    /**
     * Spreads at or below this fraction of max(1, |median|) are treated as zero, so that
     * floating-point noise around a constant does not turn into enormous z-scores.
     */
    static final double NEGLIGIBLE_SPREAD = 1e-9;

    private final double[] median;
    private final double[] scale;

    private RobustScaler(double[] median, double[] scale) {
        this.median = median;
        this.scale = scale;
    }

    /**
     * Learns each feature's median and scale. The scale is IQR / 1.349; when at least half the values tie
     * (IQR = 0) it falls back to the mean absolute deviation from the median times sqrt(pi/2), and for a
     * constant feature it is 1, as in scikit-learn, so transforming never divides by zero.
     */
    public static RobustScaler fit(double[][] rows) {
        int dims = validate(rows);
        int n = rows.length;
        double[] medians = new double[dims];
        double[] scales = new double[dims];
        double[] column = new double[n];
        for (int f = 0; f < dims; f++) {
            for (int i = 0; i < n; i++) {
                column[i] = rows[i][f];
            }
            Arrays.sort(column);
            double med = sortedPercentile(column, 0.5);
            double negligible = NEGLIGIBLE_SPREAD * Math.max(1.0, Math.abs(med));
            double s = (sortedPercentile(column, 0.75) - sortedPercentile(column, 0.25)) / IQR_PER_SIGMA;
            if (s <= negligible) {
                double absDeviation = 0.0;
                for (int i = 0; i < n; i++) {
                    absDeviation += Math.abs(column[i] - med);
                }
                s = absDeviation / n * SIGMA_PER_MEAN_ABS_DEVIATION;
            }
            medians[f] = med;
            scales[f] = s <= negligible ? 1.0 : s;
        }
        return new RobustScaler(medians, scales);
    }

    /**
     * Writes {@code (in[f] - median(f)) / scale(f)} into {@code out[f]}; {@code in} and {@code out} may be
     * the same array. Non-finite inputs are passed through rather than rejected.
     */
    public void transform(double[] in, double[] out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        int dims = median.length;
        if (in.length != dims) {
            throw new IllegalArgumentException("expected a row of " + dims + " features, got " + in.length);
        }
        if (out.length < dims) {
            throw new IllegalArgumentException(
                    "out has room for " + out.length + " values but " + dims + " are needed");
        }
        for (int f = 0; f < dims; f++) {
            out[f] = (in[f] - median[f]) / scale[f];
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
        return "RobustScaler[median=" + Arrays.toString(median) + ", scale=" + Arrays.toString(scale) + "]";
    }

    private void checkFeature(int feature) {
        if (feature < 0 || feature >= median.length) {
            throw new IndexOutOfBoundsException(
                    "feature " + feature + " out of range [0, " + median.length + ")");
        }
    }

    /** numpy's default ("linear") percentile of an ascending array. */
    private static double sortedPercentile(double[] sorted, double fraction) {
        double position = fraction * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = Math.min(lower + 1, sorted.length - 1);
        double t = position - lower;
        return sorted[lower] + (sorted[upper] - sorted[lower]) * t;
    }

    private static int validate(double[][] rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.length == 0) {
            throw new IllegalArgumentException("cannot fit a scaler on 0 rows");
        }
        if (rows[0] == null) {
            throw new IllegalArgumentException("row 0 is null");
        }
        int dims = rows[0].length;
        if (dims == 0) {
            throw new IllegalArgumentException("rows have no features");
        }
        for (int i = 0; i < rows.length; i++) {
            double[] row = rows[i];
            if (row == null) {
                throw new IllegalArgumentException("row " + i + " is null");
            }
            if (row.length != dims) {
                throw new IllegalArgumentException(
                        "ragged rows: row " + i + " has " + row.length + " features but row 0 has " + dims);
            }
            for (int f = 0; f < dims; f++) {
                if (!Double.isFinite(row[f])) {
                    throw new IllegalArgumentException("row " + i + ", feature " + f + " is "
                            + (Double.isNaN(row[f]) ? "NaN" : "infinite") + "; only finite values are supported");
                }
            }
        }
        return dims;
    }
}
