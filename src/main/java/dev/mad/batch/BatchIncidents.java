package dev.mad.batch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** How many incidents an analysis keeps, and which come first: shared by the console, the JSON output and the history. */
public final class BatchIncidents {
  private BatchIncidents() {}

  /** Incidents an analysis keeps in memory (and lists in its JSON output) at most, the most urgent ones. */
  public static final int KEPT = 10_000;

  /** Most urgent first: by severity, then by lower (stranger) peak score. */
  static final Comparator<BatchIncident> URGENCY =
      Comparator.comparing(BatchIncident::severity)
          .reversed()
          .thenComparingDouble(BatchIncident::peakScore);

  public static List<BatchIncident> mostUrgent(List<BatchIncident> all, int limit) {
    List<BatchIncident> sorted = new ArrayList<>(all);
    sorted.sort(URGENCY);
    return sorted.subList(0, Math.min(limit, sorted.size()));
  }
}
