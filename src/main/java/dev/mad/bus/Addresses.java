package dev.mad.bus;

/**
 * Every event-bus address of the product, defined once. Addresses under {@code dashboard.} are
 * the only ones the browser bridge lets out; nothing is let in.
 */
public final class Addresses {
  private Addresses() {
  }

  /** Published by collect: a raw {@link MetricSample} in JSON form. */
  public static final String METRICS_SAMPLE = "metrics.sample";

  /**
   * Published by detect, once per sample and in order: the sample's JSON plus
   * {@code is_anomaly} (boolean), {@code anomaly_score} (number, absent until a model is trained)
   * and {@code severity} (string, absent when not anomalous).
   */
  public static final String METRICS_SCORED = "metrics.scored";

  /**
   * Request to detect; reply {@code {status: learning|active, is_trained, data_points,
   * baseline_progress, training_samples, model_trained_at, threshold}}.
   */
  public static final String DETECT_STATUS = "detect.status";

  /**
   * Published by detect when an incident opens, updates or closes:
   * {@code {change: opened|updated|closed, incident: {id, timestamp, anomaly_score, metrics, reason,
   * severity_factors, severity, host, detectors, contributions, expected, started, ended,
   * duration_s, samples}}}.
   */
  public static final String INCIDENT = "anomaly.incident";

  /** Browser-visible prefix; the bridge permits exactly this prefix, outbound only. */
  public static final String DASHBOARD_PREFIX = "dashboard.";

  /** Scored samples for the dashboard (same fields as {@link #METRICS_SCORED}). */
  public static final String DASHBOARD_METRICS = DASHBOARD_PREFIX + "metrics";

  /** Incident changes for the dashboard (same fields as {@link #INCIDENT}). */
  public static final String DASHBOARD_ANOMALY = DASHBOARD_PREFIX + "anomaly";

  /** Detector status for the dashboard (same fields as the {@link #DETECT_STATUS} reply). */
  public static final String DASHBOARD_STATUS = DASHBOARD_PREFIX + "status";
}
