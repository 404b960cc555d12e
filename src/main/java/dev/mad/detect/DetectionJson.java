package dev.mad.detect;

import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import dev.mad.bus.ScoredSample;
import dev.mad.config.ConfigSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bus and file shapes of verdicts and incidents. Never emits NaN: missing scores are omitted. */
public final class DetectionJson {
  private DetectionJson() {}

  /** The detector's settings from a resolved {@code detect} config section ({@link ConfigSchema#section}). */
  public static AnomalyDetector.Settings detectorSettings(JsonObject detect) {
    JsonObject severity = detect.getJsonObject("severity");
    double criticalBelow = severity.getDouble("critical_below");
    return new AnomalyDetector.Settings(
        detect.getDouble("zscore_threshold"),
        criticalBelow,
        severity.getDouble("high_below"),
        criticalBelow);
  }

  /** The alarm filter's open level for a sensitivity (1 = the default level; 2 opens at half of it). */
  public static double openLevel(double sensitivity) {
    return AlarmFilter.DEFAULT_OPEN_LEVEL / sensitivity;
  }

  /** The forest's parameters from a resolved {@code detect} config section, with the given contamination. */
  public static IsolationForestParams forestParams(JsonObject detect, double contamination) {
    return new IsolationForestParams(
        detect.getInteger("n_estimators"),
        detect.getInteger("max_samples"),
        contamination,
        detect.getLong("random_seed"));
  }

  /** The {@code detect} section with every default. */
  static JsonObject defaults() {
    return ConfigSchema.defaults().getJsonObject("detect");
  }

  /** The rules of {@code detect.rules} (already validated by the config schema). */
  public static List<Rule> rules(JsonArray json) {
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      JsonObject r = json.getJsonObject(i);
      rules.add(
          new Rule(
              r.getString("name"),
              r.getString("metric"),
              r.getString("op"),
              r.getDouble("value"),
              Severity.parse(r.getString("severity")),
              r.getString("reason")));
    }
    return rules;
  }

  /** The bus form of a scored sample ({@link ScoredSample}): the sample with its verdict. */
  public static JsonObject scored(JsonObject sample, Verdict v, boolean flagged) {
    boolean explained = flagged && v.severity() != null;
    return new ScoredSample(
            MetricSample.fromJson(sample),
            flagged,
            Double.isNaN(v.score()) ? null : round(v.score(), 4),
            explained ? v.severity().label() : null,
            explained ? v.reason() : null)
        .toJson();
  }

  /** The bus and file form of an incident ({@link IncidentChange.Report}). */
  public static JsonObject incident(Incident in, List<String> metrics) {
    return report(in, metrics).toJson();
  }

  static IncidentChange.Report report(Incident in, List<String> metrics) {
    Verdict peak = in.peak();
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, Double> expected = new LinkedHashMap<>();
    for (int i = 0; i < metrics.size(); i++) {
      values.put(metrics.get(i), round(in.peakValues()[i], 4));
      if (!Double.isNaN(peak.expected()[i])) {
        expected.put(metrics.get(i), round(peak.expected()[i], 4));
      }
    }
    List<IncidentChange.Detector> detectors = new ArrayList<>();
    for (Verdict.Detection d : peak.detectors()) {
      detectors.add(
          new IncidentChange.Detector(
              d.name(), d.metric(), round(d.value(), 4), round(d.threshold(), 4)));
    }
    return new IncidentChange.Report(
        in.id(),
        iso(in.startedMs()),
        Double.isNaN(in.peakScore()) ? null : round(in.peakScore(), 4),
        values,
        in.reason(),
        List.copyOf(peak.severityFactors()),
        in.severity().label(),
        in.host(),
        List.copyOf(detectors),
        contributions(metrics, peak.contributions()),
        expected,
        iso(in.startedMs()),
        in.endedMs() == null ? null : iso(in.endedMs()),
        round(in.durationSeconds(), 1),
        in.samples());
  }

  /** Shares rounded to 0.1 %, the rounding remainder given to the largest so they sum to exactly 100. */
  public static Map<String, Double> contributions(List<String> metrics, double[] shares) {
    long[] tenths = new long[shares.length];
    long total = 0;
    int largest = 0;
    for (int i = 0; i < shares.length; i++) {
      tenths[i] = Math.round(shares[i] * 10);
      total += tenths[i];
      if (shares[i] > shares[largest]) {
        largest = i;
      }
    }
    tenths[largest] += 1000 - total;
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < shares.length; i++) {
      if (tenths[i] > 0) {
        out.put(metrics.get(i), tenths[i] / 10.0);
      }
    }
    return out;
  }

  public static String iso(long epochMs) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
        OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneId.systemDefault()));
  }

  static double round(double v, int decimals) {
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }
}
