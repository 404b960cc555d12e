package dev.mad.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An incident opening, changing or closing, as detect publishes it on {@link Addresses#INCIDENT}
 * (and the dashboard receives it on {@link Addresses#DASHBOARD_ANOMALY}); persist keeps the
 * {@link Report}s in {@code anomalies.json}.
 *
 * @param change {@code opened}, {@code updated} or {@code closed}
 */
public record IncidentChange(String change, Report incident) {
  public static final String OPENED = "opened";
  public static final String UPDATED = "updated";
  public static final String CLOSED = "closed";

  /** What a person may do to an incident ({@link Addresses#INCIDENT_WORK}). */
  public static final String ACKNOWLEDGED = "acknowledged";

  public static final String RESOLVED = "resolved";
  public static final String FALSE_ALARM = "false_alarm";
  public static final List<String> ACTIONS = List.of(ACKNOWLEDGED, RESOLVED, FALSE_ALARM);

  /** Severities, least urgent first, as detection labels them. */
  public static final List<String> SEVERITIES = List.of("medium", "high", "critical");

  /** The states of an incident in the history: detection's {@code open} and {@code closed}. */
  public static final List<String> STATES = List.of("open", "closed");

  /**
   * One incident as users see it: the original's fields ({@code timestamp}, {@code anomaly_score},
   * {@code metrics}, {@code reason}, {@code severity_factors}) and the product's.
   *
   * @param score         the peak's forest score, or null before a model
   * @param metrics       the peak sample's values by metric
   * @param contributions each metric's share of the peak's deviation, in %
   * @param expected      each metric's usual value (metrics without one are left out)
   * @param ended         ISO time it closed, or null while open
   */
  public record Report(
      long id,
      String timestamp,
      Double score,
      Map<String, Double> metrics,
      String reason,
      List<String> severityFactors,
      String severity,
      String host,
      List<Detector> detectors,
      Map<String, Double> contributions,
      Map<String, Double> expected,
      String started,
      String ended,
      double durationSeconds,
      long samples) {

    /**
     * The metric that contributed most to the peak's deviation; without contributions, the first
     * detector's metric; null when neither names one (a forest-only verdict before any baseline).
     */
    public String leadingMetric() {
      String best = null;
      double most = 0;
      for (Map.Entry<String, Double> e : contributions.entrySet()) {
        if (e.getValue() != null && e.getValue() > most) {
          most = e.getValue();
          best = e.getKey();
        }
      }
      if (best != null) {
        return best;
      }
      return detectors.stream()
          .map(Detector::metric)
          .filter(m -> m != null)
          .findFirst()
          .orElse(null);
    }

    public JsonObject toJson() {
      JsonArray dets = new JsonArray();
      detectors.forEach(d -> dets.add(d.toJson()));
      JsonObject json =
          new JsonObject()
              .put("id", id)
              .put("timestamp", timestamp)
              .put("metrics", numbers(metrics))
              .put("reason", reason)
              .put("severity_factors", new JsonArray(new ArrayList<>(severityFactors)))
              .put("severity", severity)
              .put("host", host)
              .put("detectors", dets)
              .put("contributions", numbers(contributions))
              .put("expected", numbers(expected))
              .put("started", started)
              .put("ended", ended)
              .put("duration_s", durationSeconds)
              .put("samples", samples);
      if (score != null) {
        json.put("anomaly_score", score);
      }
      return json;
    }

    public static Report fromJson(JsonObject json) {
      List<Detector> dets = new ArrayList<>();
      json.getJsonArray("detectors").forEach(d -> dets.add(Detector.fromJson((JsonObject) d)));
      List<String> factors = new ArrayList<>();
      json.getJsonArray("severity_factors").forEach(f -> factors.add((String) f));
      return new Report(
          json.getLong("id"),
          json.getString("timestamp"),
          json.getDouble("anomaly_score"),
          numbers(json.getJsonObject("metrics")),
          json.getString("reason"),
          List.copyOf(factors),
          json.getString("severity"),
          json.getString("host"),
          List.copyOf(dets),
          numbers(json.getJsonObject("contributions")),
          numbers(json.getJsonObject("expected")),
          json.getString("started"),
          json.getString("ended"),
          json.getDouble("duration_s"),
          json.getLong("samples"));
    }
  }

  /**
   * One detector that fired at the peak: {@code isolation_forest}, {@code zscore} or {@code rule:NAME}.
   *
   * @param metric the metric it fired on, or null (the forest)
   */
  public record Detector(String name, String metric, double value, double threshold) {
    JsonObject toJson() {
      JsonObject json =
          new JsonObject().put("name", name).put("value", value).put("threshold", threshold);
      if (metric != null) {
        json.put("metric", metric);
      }
      return json;
    }

    static Detector fromJson(JsonObject json) {
      return new Detector(
          json.getString("name"),
          json.getString("metric"),
          json.getDouble("value"),
          json.getDouble("threshold"));
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("change", change).put("incident", incident.toJson());
  }

  public static IncidentChange fromJson(JsonObject json) {
    return new IncidentChange(
        json.getString("change"), Report.fromJson(json.getJsonObject("incident")));
  }

  private static JsonObject numbers(Map<String, Double> values) {
    JsonObject json = new JsonObject();
    values.forEach(json::put);
    return json;
  }

  private static Map<String, Double> numbers(JsonObject json) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String k : json.fieldNames()) {
      out.put(k, json.getDouble(k));
    }
    return out;
  }
}
