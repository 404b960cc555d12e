package dev.mad.detect;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns per-sample verdicts into incidents, so a person gets one alert per problem instead of
 * one per second. A flagged run opens an incident once it is {@code minSamples} long, or at once
 * when a rule fired (a hard limit is never a blip); it updates while it lasts and closes after
 * {@code quietMs} without a flag. Not thread-safe; owned by the detect verticle.
 */
public final class IncidentTracker {

  /** What happened to an incident on this sample. */
  public enum Change { OPENED, UPDATED, CLOSED }

  /** One change, with the incident as it now stands. */
  public record Event(Change change, Incident incident) {
  }

  private final long quietMs;
  private final int minSamples;
  private final long updateEveryMs;

  private Incident current;
  private final List<Pending> pending = new ArrayList<>();
  private long lastUpdateMs;

  private record Pending(long timestampMs, double[] values, Verdict verdict) {
  }

  public IncidentTracker(long quietMs, int minSamples, long updateEveryMs) {
    this.quietMs = quietMs;
    this.minSamples = Math.max(1, minSamples);
    this.updateEveryMs = updateEveryMs;
  }

  /** Feeds one judged sample, in time order; returns the incident changes it caused (often none). */
  public List<Event> onSample(long timestampMs, String host, double[] values, Verdict verdict) {
    List<Event> events = new ArrayList<>(2);
    if (current != null && !verdict.anomaly() && timestampMs - current.lastFlaggedMs() >= quietMs) {
      current = new Incident(current.id(), current.host(), current.startedMs(), current.lastFlaggedMs(),
          current.lastFlaggedMs(), current.samples(), current.severity(), current.peakScore(), current.peakValues(),
          current.peak());
      events.add(new Event(Change.CLOSED, current));
      current = null;
    }
    if (!verdict.anomaly()) {
      pending.clear();
      return events;
    }
    if (current != null) {
      boolean escalated = verdict.severity().ordinal() > current.severity().ordinal();
      current = extend(current, timestampMs, values, verdict);
      if (escalated || timestampMs - lastUpdateMs >= updateEveryMs) {
        lastUpdateMs = timestampMs;
        events.add(new Event(Change.UPDATED, current));
      }
      return events;
    }
    pending.add(new Pending(timestampMs, values, verdict));
    if (pending.size() >= minSamples || verdict.firedRule()) {
      Pending first = pending.get(0);
      // One incident at a time per host, so its start time identifies it, across restarts too.
      Incident incident = new Incident(first.timestampMs(), host, first.timestampMs(), first.timestampMs(), null, 1,
          first.verdict().severity(), first.verdict().score(), first.values(), first.verdict());
      for (int i = 1; i < pending.size(); i++) {
        Pending p = pending.get(i);
        incident = extend(incident, p.timestampMs(), p.values(), p.verdict());
      }
      pending.clear();
      current = incident;
      lastUpdateMs = timestampMs;
      events.add(new Event(Change.OPENED, current));
    }
    return events;
  }

  /** The open incident, if any. */
  public Incident current() {
    return current;
  }

  private static Incident extend(Incident in, long ts, double[] values, Verdict v) {
    boolean newPeak = isWorse(v, in.peak());
    return new Incident(in.id(), in.host(), in.startedMs(), ts, null, in.samples() + 1,
        in.severity().atLeast(v.severity()),
        newPeak ? v.score() : in.peakScore(), newPeak ? values : in.peakValues(), newPeak ? v : in.peak());
  }

  /** A sample is a new peak when it is more severe, or as severe with a lower forest score. */
  private static boolean isWorse(Verdict candidate, Verdict peak) {
    int bySeverity = candidate.severity().compareTo(peak.severity());
    if (bySeverity != 0) {
      return bySeverity > 0;
    }
    return scoreOf(candidate) < scoreOf(peak);
  }

  private static double scoreOf(Verdict v) {
    return Double.isNaN(v.score()) ? 0.0 : v.score();
  }
}
