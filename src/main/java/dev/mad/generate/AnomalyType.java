package dev.mad.generate;

import java.util.Locale;

/** The kinds of labelled anomaly episode the generator injects, with how many rows each one lasts. */
public enum AnomalyType {
  CPU_SPIKE(1, 6),
  MEMORY_LEAK(6, 18),
  DISK_BURST(1, 5),
  NETWORK_FLOOD(2, 8),
  RESOURCE_CONTENTION(2, 8);

  private final int minRows;
  private final int maxRows;
  private final String label;

  AnomalyType(int minRows, int maxRows) {
    this.minRows = minRows;
    this.maxRows = maxRows;
    this.label = name().toLowerCase(Locale.ROOT);
  }

  public int minRows() {
    return minRows;
  }

  public int maxRows() {
    return maxRows;
  }

  /** The name written to the labels file, e.g. {@code cpu_spike}. */
  public String label() {
    return label;
  }

  /** Mean episode length when every type is equally likely; the schedule needs it to hit the anomaly rate. */
  static double meanEpisodeRows() {
    double sum = 0;
    for (AnomalyType type : values()) {
      sum += (type.minRows + type.maxRows) / 2.0;
    }
    return sum / values().length;
  }
}
