package dev.mad.detect;

import java.util.List;

/**
 * A run of samples the {@link AlarmFilter} judged to be one event, reported as one alert. Immutable
 * snapshot; the tracker makes a new one on every change. The peak fields describe the most unusual
 * sample so far (by its level), so the peak, its factors and its reason follow the event while it lasts;
 * {@code reasons} collects every distinct reason seen, peak's first, so a new deviation of another
 * metric during the incident shows.
 */
public record Incident(
    long id,
    String host,
    long startedMs,
    long lastFlaggedMs,
    Long endedMs,
    int samples,
    Severity severity,
    double peakScore,
    double[] peakValues,
    Verdict peak,
    List<String> reasons) {

  /** Distinct reasons kept per incident. */
  static final int MAX_REASONS = 6;

  public boolean open() {
    return endedMs == null;
  }

  public double durationSeconds() {
    long end = endedMs != null ? endedMs : lastFlaggedMs;
    return (end - startedMs) / 1000.0;
  }

  /** The reasons as one text, the peak's first. */
  public String reason() {
    return String.join(" | ", reasons);
  }
}
