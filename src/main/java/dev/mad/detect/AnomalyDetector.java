package dev.mad.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Judges one sample with the three detectors and explains the result. Shared by live mode and
 * batch analysis; holds no mutable state, so one instance can serve many threads.
 *
 * <p>A sample is flagged when a rule fires, when the forest (below its contamination threshold)
 * and the z-score agree, when the score is in the high band and the z-score is extreme, when the
 * forest alone finds it extreme (below {@code strongScore}), or, before the first model exists,
 * when the z-score alone fires. Z-scores count only in a metric's alerting
 * direction (see {@link MetricCatalog.Info}). Requiring agreement is what keeps a quiet host quiet: the forest's
 * threshold flags a fixed share of ordinary samples by construction, the z-score confirms only
 * the ones that truly leave the normal range.
 */
public final class AnomalyDetector {
  public static final String ISOLATION_FOREST = "isolation_forest";
  public static final String ZSCORE = "zscore";

  /** A z-score this many times the threshold is extreme enough to need only a high-band score. */
  static final double STRONG_Z_FACTOR = 3.0;

  /** Robust σ below the training rows' median score that an extreme score needs to count without confirmation. */
  static final double STRONG_DEVIATION = 8.0;

  /** The forest's score deviation (robust σ below its training median) that counts as one unit of level. */
  static final double FOREST_LEVEL_UNIT = 3.0;

  /** Reasons named per sample at most (a batch file may have hundreds of columns). */
  static final int MAX_REASONS = 5;

  /** Share of the deviation (in %) that lets one metric name an anomaly no threshold explains. */
  static final double DOMINANT_SHARE = 50.0;

  /** Detector settings; the default bands follow the seed (critical below -0.7, high below -0.5). */
  public record Settings(
      double zThreshold, double criticalBelow, double highBelow, double strongScore) {
    public static Settings defaults() {
      return DetectionJson.detectorSettings(DetectionJson.defaults());
    }
  }

  private final List<String> metrics;
  private final MetricCatalog.Info[] info;
  private final double[] minSpread;
  private final List<Rule> rules;
  private final int[] ruleMetric;
  private final Settings settings;

  /** Contributions of a sample that is not flagged: all zero, shared (never written). */
  private final double[] zeros;

  public AnomalyDetector(List<String> metrics, List<Rule> rules, Settings settings) {
    this.metrics = List.copyOf(metrics);
    this.minSpread = new double[metrics.size()];
    this.info = new MetricCatalog.Info[metrics.size()];
    for (int i = 0; i < minSpread.length; i++) {
      info[i] = MetricCatalog.info(metrics.get(i));
      minSpread[i] = info[i].minSpread();
    }
    List<Rule> usable = new ArrayList<>();
    List<Integer> indices = new ArrayList<>();
    for (Rule r : rules) {
      int i = this.metrics.indexOf(r.metric());
      if (i >= 0) {
        usable.add(r);
        indices.add(i);
      }
    }
    this.rules = List.copyOf(usable);
    this.ruleMetric = indices.stream().mapToInt(Integer::intValue).toArray();
    this.settings = settings;
    this.zeros = new double[metrics.size()];
  }

  public List<String> metrics() {
    return metrics;
  }

  /** Floors on each metric's spread, for {@link RobustBaseline#fit} and {@link DetectorModel#train}. */
  public double[] minSpread() {
    return minSpread.clone();
  }

  /** Per metric, which deviations alert: +1 only rises, -1 only drops, 0 both ({@link MetricCatalog.Info}). */
  public int[] directions() {
    int[] d = new int[info.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = info[i].direction();
    }
    return d;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Judges {@code x}.
   *
   * @param model    the trained model, or null before the first one
   * @param baseline the z-score baseline to measure against instead of the model's: before the first
   *                 model (live mode) or a rolling window (batch --window-size); null for the model's
   */
  public Verdict evaluate(double[] x, DetectorModel model, RobustBaseline baseline) {
    return evaluate(x, model, baseline, Double.NaN);
  }

  /**
   * As {@link #evaluate(double[], DetectorModel, RobustBaseline)}, with the forest's score of
   * {@code x} already computed (batch mode scores blocks of rows at once); NaN to compute it here.
   */
  public Verdict evaluate(
      double[] x, DetectorModel model, RobustBaseline baseline, double precomputedScore) {
    return evaluate(x, model, baseline, precomputedScore, false);
  }

  /**
   * As {@link #evaluate(double[], DetectorModel, RobustBaseline, double)}; with {@code forceExplain} the
   * explanation (reasons, factors, contributions) is built even for a sample the row rules do not flag,
   * for a sample that lies inside an incident.
   */
  public Verdict evaluate(
      double[] x,
      DetectorModel model,
      RobustBaseline baseline,
      double precomputedScore,
      boolean forceExplain) {
    return evaluate(x, model, baseline, precomputedScore, forceExplain, null);
  }

  /**
   * As {@link #evaluate(double[], DetectorModel, RobustBaseline, double, boolean)}, judging each metric
   * in the context of what the host did lately ({@code recent}, null for none): a metric's z-score is the
   * smaller of its distance from the baseline and from its recent level, divided by how far its routine
   * spikes ({@link RecentTails}) lie beyond an ordinary moment's z-score. The verdict's
   * {@link Verdict#zScores()} stay the baseline's, for {@link RecentPast#add}.
   */
  public Verdict evaluate(
      double[] x,
      DetectorModel model,
      RobustBaseline baseline,
      double precomputedScore,
      boolean forceExplain,
      RecentPast.Snapshot recent) {
    int d = metrics.size();
    if (x.length != d) {
      throw new IllegalArgumentException("expected " + d + " metrics, got " + x.length);
    }
    RobustBaseline base = baseline != null ? baseline : model != null ? model.baseline() : null;

    double score = Double.NaN;
    boolean forestFired = false;
    if (model != null) {
      score = Double.isNaN(precomputedScore) ? model.score(x, new double[d]) : precomputedScore;
      forestFired = score < model.threshold();
    }

    double[] rawZ = new double[d];
    double[] z = rawZ;
    double[] expected = new double[d];
    double zMax = 0;
    if (base != null) {
      double unit = zUnit(model);
      if (recent != null) {
        z = new double[d];
      }
      for (int i = 0; i < d; i++) {
        rawZ[i] = base.zScore(i, x[i]);
        if (recent != null) {
          z[i] = judged(i, x[i], rawZ[i], recent, unit);
        }
        expected[i] = base.median(i);
        zMax = Math.max(zMax, info[i].alerting(z[i]));
      }
    } else {
      Arrays.fill(expected, Double.NaN);
    }
    boolean zFired = zMax >= settings.zThreshold();
    boolean ruleFired = false;
    for (int r = 0; r < rules.size() && !ruleFired; r++) {
      ruleFired = rules.get(r).firesOn(x[ruleMetric[r]]);
    }

    // When anomalies are common in the training data (batch files), the contamination threshold
    // falls inside them; a clearly unusual score (high band) with an extreme z-score still counts.
    boolean strongRow =
        (model != null
                && score < settings.highBelow()
                && zMax >= STRONG_Z_FACTOR * settings.zThreshold())
            || (model != null && score < settings.strongScore());
    boolean anomaly =
        ruleFired || strongRow || (forestFired && zFired) || (model == null && zFired);
    // For the alarm filter, an extreme score counts alone only when it is also far below what the
    // forest
    // gives its own training rows (on many tight metrics, -0.7 can be an ordinary moment).
    boolean strong = ruleFired || (strongRow && model.scoreDeviation(score) >= STRONG_DEVIATION);
    double level = level(z, score, model);
    if (!anomaly && !forceExplain) {
      // The common case: no explanation to build.
      return new Verdict(
          score, false, null, List.of(), rawZ, zeros, expected, List.of(), List.of(), level, false,
          false);
    }
    boolean absolute = false;
    for (int i = 0; i < d && anomaly && !absolute; i++) {
      absolute = info[i].alerting(z[i]) >= settings.zThreshold() && info[i].absolutelyHigh(x[i]);
    }
    return explain(
        x, model, score, forestFired, z, rawZ, zMax, expected, anomaly, level, strong, absolute);
  }

  /**
   * The alarm level ({@link Verdict#level()}) of a judged sample measured in the context of {@code recent}
   * instead: what {@link #evaluate(double[], DetectorModel, RobustBaseline, double, boolean, RecentPast.Snapshot)}
   * would give, from the verdict's baseline z-scores, for the sequential half of a batch analysis.
   */
  public double level(double[] x, Verdict judged, DetectorModel model, RecentPast.Snapshot recent) {
    double[] raw = judged.zScores();
    if (recent == null) {
      return judged.level();
    }
    double unit = zUnit(model);
    double zMax = 0;
    for (int i = 0; i < raw.length; i++) {
      zMax = Math.max(zMax, info[i].alerting(judged(i, x[i], raw[i], recent, unit)));
    }
    return levelOf(zMax, judged.score(), model);
  }

  /**
   * Metric {@code i}'s z-score as judged in context: the smaller of its distance from the model's
   * baseline and from its recent level ({@code lately}, may be null), divided by its familiarity.
   */
  private double judged(int i, double value, double z, RecentPast.Snapshot recent, double unit) {
    double zz = z;
    RobustBaseline lately = recent.baseline();
    if (lately != null) {
      double r = lately.zScore(i, value);
      if (Math.abs(r) < Math.abs(zz)) {
        zz = r;
      }
    }
    return zz / familiarity(i, value, zz, recent.tails()[i], unit);
  }

  /**
   * The divisor of metric {@code i}'s z-score: how many ordinary extremes its recent tail spans (at
   * least 1). A value high in absolute terms (CPU at 95 %) is never routine, however often it happens.
   */
  private double familiarity(int i, double value, double z, double tail, double unit) {
    if (info[i].alerting(z) > 0 && info[i].absolutelyHigh(value)) {
      return 1.0;
    }
    return Math.max(1.0, tail / unit);
  }

  /**
   * The sample's evidence on the alarm scale: its most unusual metric's z-score over the z-score an
   * ordinary moment of this host reaches (at least the z threshold), or the forest's score deviation
   * over {@link #FOREST_LEVEL_UNIT}, whichever is larger. 1 means "as unusual as an ordinary moment can be".
   */
  private double level(double[] z, double score, DetectorModel model) {
    double zMax = 0;
    for (int i = 0; i < z.length; i++) {
      zMax = Math.max(zMax, info[i].alerting(z[i]));
    }
    return levelOf(zMax, score, model);
  }

  /** The level of a sample whose most unusual metric has alerting z-score {@code zMax} (see {@link #level}). */
  private double levelOf(double zMax, double score, DetectorModel model) {
    // The forest may say more than any one metric (an unusual combination), but not more than the
    // most
    // deviating metric's z-score in threshold units: a value merely new to the forest (a quantised
    // series
    // stepping to a level it has not seen) is no stronger evidence than its own small z-score.
    double forest =
        model != null
            ? Math.min(
                model.scoreDeviation(score) / FOREST_LEVEL_UNIT, zMax / settings.zThreshold())
            : 0;
    return Math.max(zMax / zUnit(model), forest);
  }

  /** The z-score that counts as unusual: the threshold, or twice what an ordinary moment reaches if that is more. */
  public double zUnit(DetectorModel model) {
    return model == null
        ? settings.zThreshold()
        : Math.max(settings.zThreshold(), 2 * model.typicalZ());
  }

  /** Builds the detectors, severity, contributions, reasons and factors of a flagged sample. */
  private Verdict explain(
      double[] x,
      DetectorModel model,
      double score,
      boolean forestFired,
      double[] z,
      double[] rawZ,
      double zMax,
      double[] expected,
      boolean anomaly,
      double level,
      boolean strong,
      boolean absolute) {
    List<Verdict.Detection> detectors = new ArrayList<>(4);
    if (forestFired) {
      detectors.add(new Verdict.Detection(ISOLATION_FOREST, null, score, model.threshold()));
    } else if (model != null && score < settings.highBelow()) {
      detectors.add(new Verdict.Detection(ISOLATION_FOREST, null, score, settings.highBelow()));
    }
    Severity ruleSeverity = null;
    List<Rule> fired = new ArrayList<>(2);
    for (int r = 0; r < rules.size(); r++) {
      Rule rule = rules.get(r);
      double actual = x[ruleMetric[r]];
      if (rule.firesOn(actual)) {
        fired.add(rule);
        ruleSeverity =
            ruleSeverity == null ? rule.severity() : ruleSeverity.atLeast(rule.severity());
        detectors.add(
            new Verdict.Detection(rule.detectorName(), rule.metric(), actual, rule.value()));
      }
    }
    for (int i = 0; i < z.length; i++) {
      if (info[i].alerting(z[i]) >= settings.zThreshold()) {
        detectors.add(new Verdict.Detection(ZSCORE, metrics.get(i), z[i], settings.zThreshold()));
      }
    }
    Severity severity = severityOf(score, zMax, ruleSeverity);
    double[] contributions = contributions(z, fired);
    return new Verdict(
        score,
        anomaly,
        severity,
        List.copyOf(detectors),
        rawZ,
        contributions,
        expected,
        reasons(x, z, expected, fired, contributions),
        factors(x, z, fired, contributions),
        level,
        strong,
        absolute);
  }

  private Severity severityOf(double score, double zMax, Severity ruleSeverity) {
    Severity s = Severity.MEDIUM;
    if (!Double.isNaN(score)) {
      if (score < settings.criticalBelow()) {
        s = Severity.CRITICAL;
      } else if (score < settings.highBelow()) {
        s = Severity.HIGH;
      }
    } else if (zMax >= 2 * settings.zThreshold()) {
      s = Severity.HIGH;
    }
    return ruleSeverity == null ? s : s.atLeast(ruleSeverity);
  }

  /**
   * Each metric's share of the deviation, in %, weighted by {@code log(1 + |z| / threshold)}; metrics of fired
   * rules count when nothing else deviates.
   */
  private double[] contributions(double[] z, List<Rule> fired) {
    int d = z.length;
    double[] weight = new double[d];
    double total = 0;
    for (int i = 0; i < d; i++) {
      // z-scores of tight metrics run into the hundreds; the logarithm keeps the share of every
      // metric that
      // moved visible next to one that moved enormously, so the whole ranking of causes survives
      weight[i] = Math.log1p(Math.abs(z[i]) / settings.zThreshold());
      total += weight[i];
    }
    if (total == 0) {
      for (Rule r : fired) {
        weight[metrics.indexOf(r.metric())] += 1;
        total += 1;
      }
    }
    if (total == 0) {
      Arrays.fill(weight, 1);
      total = d;
    }
    for (int i = 0; i < d; i++) {
      weight[i] = 100.0 * weight[i] / total;
    }
    return weight;
  }

  private List<String> reasons(
      double[] x, double[] z, double[] expected, List<Rule> fired, double[] contributions) {
    Set<String> reasons = new LinkedHashSet<>();
    fired.forEach(r -> reasons.add(r.reason()));
    for (int i : byDeviation(z)) {
      if (info[i].alerting(z[i]) >= settings.zThreshold() && reasons.size() < MAX_REASONS) {
        reasons.add(MetricCatalog.deviationReason(metrics.get(i), x[i], expected[i], z[i] > 0));
      }
    }
    if (reasons.isEmpty()) {
      // No single metric crossed its threshold; name the one that carries most of the deviation, if
      // one does.
      int top = 0;
      for (int i = 1; i < contributions.length; i++) {
        if (contributions[i] > contributions[top]) {
          top = i;
        }
      }
      if (contributions[top] >= DOMINANT_SHARE && info[top].alerting(z[top]) > 0) {
        reasons.add(
            MetricCatalog.deviationReason(metrics.get(top), x[top], expected[top], z[top] > 0));
      } else {
        reasons.add(MetricCatalog.COMBINATION_REASON);
      }
    }
    return List.copyOf(reasons);
  }

  private List<String> factors(double[] x, double[] z, List<Rule> fired, double[] contributions) {
    Set<Integer> shown = new LinkedHashSet<>();
    fired.forEach(r -> shown.add(metrics.indexOf(r.metric())));
    for (int i : byDeviation(z)) {
      if (info[i].alerting(z[i]) >= settings.zThreshold()) {
        shown.add(i);
      }
    }
    if (shown.isEmpty()) {
      int top = 0;
      for (int i = 1; i < contributions.length; i++) {
        if (contributions[i] > contributions[top]) {
          top = i;
        }
      }
      shown.add(top);
    }
    List<String> factors = new ArrayList<>(shown.size());
    shown.forEach(i -> factors.add(MetricCatalog.factor(metrics.get(i), x[i])));
    return factors;
  }

  private static int[] byDeviation(double[] z) {
    Integer[] order = new Integer[z.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(Math.abs(z[b]), Math.abs(z[a])));
    return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }
}
