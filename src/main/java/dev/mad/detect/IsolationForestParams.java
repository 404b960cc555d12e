package dev.mad.detect;

/**
 * Hyper-parameters of an {@link IsolationForest}, named and defaulted like scikit-learn's
 * {@code IsolationForest(n_estimators, max_samples, contamination, random_state)}.
 *
 * @param nEstimators   number of trees, at least 1
 * @param maxSamples    rows drawn (without replacement) to grow each tree, at least 2; the
 *                      forest uses {@code min(maxSamples, trainingRows)}
 * @param contamination expected share of anomalies in the training data, in (0, 0.5]
 * @param randomSeed    seed from which every tree's random stream is derived
 */
public record IsolationForestParams(
    int nEstimators, int maxSamples, double contamination, long randomSeed) {

  public IsolationForestParams {
    if (nEstimators < 1) {
      throw new IllegalArgumentException("nEstimators must be >= 1, got " + nEstimators);
    }
    if (maxSamples < 2) {
      throw new IllegalArgumentException("maxSamples must be >= 2, got " + maxSamples);
    }
    // Written as a negated range test so that NaN is rejected too.
    if (!(contamination > 0.0 && contamination <= 0.5)) {
      throw new IllegalArgumentException("contamination must be in (0, 0.5], got " + contamination);
    }
  }

  /** The product's defaults (the {@code detect} settings' defaults, which are scikit-learn's). */
  public static IsolationForestParams defaults() {
    var detect = DetectionJson.defaults();
    return DetectionJson.forestParams(detect, detect.getDouble("contamination"));
  }

  public IsolationForestParams withNEstimators(int value) {
    return new IsolationForestParams(value, maxSamples, contamination, randomSeed);
  }

  public IsolationForestParams withMaxSamples(int value) {
    return new IsolationForestParams(nEstimators, value, contamination, randomSeed);
  }

  public IsolationForestParams withContamination(double value) {
    return new IsolationForestParams(nEstimators, maxSamples, value, randomSeed);
  }

  public IsolationForestParams withRandomSeed(long value) {
    return new IsolationForestParams(nEstimators, maxSamples, contamination, value);
  }
}
