package dev.mad.bus;

import io.vertx.core.json.JsonObject;

/**
 * One sample with its verdict, as detect publishes it on {@link Addresses#METRICS_SCORED} and the
 * dashboard receives it on {@link Addresses#DASHBOARD_METRICS}: the {@link MetricSample}'s fields plus
 * {@code is_anomaly}, {@code anomaly_score} (absent until a model is trained), and for a flagged
 * sample {@code severity} and {@code reason}.
 *
 * @param score    the forest's score, or null before the first model
 * @param severity null unless flagged
 * @param reason   null unless flagged
 */
public record ScoredSample(
    MetricSample sample, boolean anomaly, Double score, String severity, String reason) {
  public static final String IS_ANOMALY = "is_anomaly";
  public static final String ANOMALY_SCORE = "anomaly_score";
  public static final String SEVERITY = "severity";
  public static final String REASON = "reason";

  public JsonObject toJson() {
    JsonObject json = sample.toJson().put(IS_ANOMALY, anomaly);
    if (score != null) {
      json.put(ANOMALY_SCORE, score);
    }
    if (severity != null) {
      json.put(SEVERITY, severity);
    }
    if (reason != null) {
      json.put(REASON, reason);
    }
    return json;
  }

  public static ScoredSample fromJson(JsonObject json) {
    return new ScoredSample(
        MetricSample.fromJson(json),
        json.getBoolean(IS_ANOMALY, false),
        json.getDouble(ANOMALY_SCORE),
        json.getString(SEVERITY),
        json.getString(REASON));
  }
}
