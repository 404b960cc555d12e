package dev.mad.detect;

import java.util.List;

/**
 * The detector's judgement of one sample, with its explanation.
 *
 * @param score          Isolation Forest score in [-1, 0), lower is stranger; NaN before the first model
 * @param anomaly        whether the sample is flagged
 * @param severity       severity when flagged, else null
 * @param detectors      which detectors fired, with their raw values
 * @param contributions  per-metric share of the anomaly in %, summing to 100 (all 0 when not flagged)
 * @param expected       the window's typical value per metric (NaN before any baseline exists)
 * @param reasons        human texts, most important first (the seed's texts where they apply)
 * @param severityFactors the seed's factors, e.g. {@code CPU: 85.7%}
 * @param level          this sample's evidence on the alarm scale ({@link AlarmFilter}): the larger of its most
 *                       unusual metric's z-score and the forest's score deviation, each over its typical size
 * @param strong         flagged by a clause that needs no confirmation (a rule, or an extreme score)
 * @param absolute       flagged, and some metric is both unusual for this host (z-score past the threshold)
 *                       and high in absolute terms (CPU or memory at 80 %, ...: the original's words apply)
 */
public record Verdict(
    double score,
    boolean anomaly,
    Severity severity,
    List<Detection> detectors,
    double[] zScores,
    double[] contributions,
    double[] expected,
    List<String> reasons,
    List<String> severityFactors,
    double level,
    boolean strong,
    boolean absolute) {

  /** One detector that fired: {@code isolation_forest}, {@code zscore} or {@code rule:NAME}. */
  public record Detection(String name, String metric, double value, double threshold) {}

  public String reason() {
    return String.join(" | ", reasons);
  }

  public boolean confirmedByRuleOrZscore() {
    return detectors.stream().anyMatch(d -> !d.name().equals(AnomalyDetector.ISOLATION_FOREST));
  }

  /** Opens an incident by itself: flagged by a rule, or unusual here and high in absolute terms. */
  public boolean alarming() {
    return anomaly && (absolute || firedRule());
  }

  public boolean firedRule() {
    return detectors.stream().anyMatch(d -> d.name().startsWith("rule:"));
  }
}
