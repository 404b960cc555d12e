package dev.mad.generate;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** What a generator run wrote: row counts and how many episodes of each anomaly type. */
public record GenerationSummary(
    long rows, long anomalousRows, Map<AnomalyType, Long> episodesByType) {

  public GenerationSummary {
    EnumMap<AnomalyType, Long> inTypeOrder = new EnumMap<>(AnomalyType.class);
    inTypeOrder.putAll(episodesByType);
    episodesByType = Collections.unmodifiableMap(inTypeOrder);
  }

  public double anomalousFraction() {
    return rows == 0 ? 0 : (double) anomalousRows / rows;
  }
}
