package dev.mad.batch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Ordering and the JSON form of a batch analysis' incidents, shared by the console, the JSON output and the history. */
public final class BatchIncidents {
  private BatchIncidents() {
  }

  /** Incidents an analysis keeps in memory (and lists in its JSON output) at most, the most urgent ones. */
  static final int KEPT = 10_000;

  /** Most urgent first: by severity, then by lower (stranger) peak score. */
  static final Comparator<BatchIncident> URGENCY = Comparator.comparing(BatchIncident::severity).reversed()
      .thenComparingDouble(BatchIncident::peakScore);

  public static List<BatchIncident> mostUrgent(List<BatchIncident> all, int limit) {
    List<BatchIncident> sorted = new ArrayList<>(all);
    sorted.sort(URGENCY);
    return sorted.subList(0, Math.min(limit, sorted.size()));
  }

  /** {@code {"id":1,"started":...,"ended":...,"rows":3,"severity":"high","reason":...,...}}. */
  public static String json(BatchIncident inc) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"id\":").append(inc.id()).append(",\"started\":");
    JsonText.append(sb, inc.started());
    sb.append(",\"ended\":");
    JsonText.append(sb, inc.ended());
    sb.append(",\"first_row\":").append(inc.firstRow()).append(",\"last_row\":").append(inc.lastRow())
        .append(",\"rows\":").append(inc.rows()).append(",\"severity\":");
    JsonText.append(sb, inc.severity().label());
    sb.append(",\"reason\":");
    JsonText.append(sb, inc.reason());
    sb.append(",\"peak\":");
    JsonText.append(sb, inc.peakTimestamp());
    sb.append(",\"peak_row\":").append(inc.peakRow()).append(",\"peak_score\":");
    JsonText.number(sb, Math.round(inc.peakScore() * 10000) / 10000.0);
    sb.append(",\"severity_factors\":");
    JsonText.append(sb, inc.severityFactors());
    sb.append(",\"contributions\":");
    JsonText.append(sb, inc.contributions());
    return sb.append('}').toString();
  }
}
