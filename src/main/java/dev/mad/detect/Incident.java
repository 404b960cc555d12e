package dev.mad.detect;

import java.util.List;

/**
 * A run of flagged samples, reported as one alert. Immutable snapshot; the tracker makes a new
 * one on every change. The peak fields describe the most anomalous sample of the run.
 */
public record Incident(long id, String host, long startedMs, long lastFlaggedMs, Long endedMs, int samples,
                       Severity severity, double peakScore, double[] peakValues, Verdict peak) {

  public boolean open() {
    return endedMs == null;
  }

  public double durationSeconds() {
    long end = endedMs != null ? endedMs : lastFlaggedMs;
    return (end - startedMs) / 1000.0;
  }
}
