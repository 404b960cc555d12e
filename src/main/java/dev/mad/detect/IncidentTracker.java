package dev.mad.detect;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Turns judged samples into incidents, so a person gets one alert per problem instead of one per
 * second. Whether a sample opens, extends or closes an incident is the {@link AlarmFilter}'s call
 * (smoothed evidence, adaptive threshold, hysteresis); this class keeps the incident itself: its
 * peak (the most unusual sample so far, so factors and reason follow the event), its severity and the
 * reasons seen. An update is reported at once when the incident escalates (higher severity, a new
 * reason, or a peak half again as unusual as the last reported one), else at most every
 * {@code updateEveryMs}. Not thread-safe; one per host.
 */
public final class IncidentTracker {

  /** What happened to an incident on this sample. */
  public enum Change {
    OPENED,
    UPDATED,
    CLOSED
  }

  /** One change, with the incident as it now stands. */
  public record Event(Change change, Incident incident) {}

  /**
   * The sample as the filter judged it, its verdict (explained when it belongs to an incident), and
   * the incident changes it caused (often none).
   */
  public record Result(
      AlarmFilter.Step step, Verdict verdict, List<Event> events, boolean suppressed) {
    /**
     * Whether the sample belongs to an incident (what the dashboard marks as flagged); not while
     * a deviation like known false alarms is passed over.
     */
    public boolean flagged() {
      return step.marked() && !suppressed;
    }
  }

  /** Whether a judged sample is like deviations people marked as false alarms. */
  public interface Known {
    boolean test(double[] values, Verdict verdict);
  }

  private final AlarmFilter filter;
  private final long updateEveryMs;
  private long index;
  private Incident current;
  private double reportedPeakLevel;
  private long lastUpdateMs;
  private Known known = (values, verdict) -> false;

  /** The filter's current episode is like known false alarms: it opens no incident. */
  private boolean suppressing;

  /** A person resolved the incident of the filter's current episode: it opens no other. */
  private boolean resolvedEpisode;

  private long suppressed;

  public IncidentTracker(AlarmFilter filter, long updateEveryMs) {
    this.filter = filter;
    this.updateEveryMs = updateEveryMs;
  }

  /** Feeds one judged sample, in time order. */
  public Result onSample(long timestampMs, String host, double[] values, Verdict verdict) {
    return onSample(timestampMs, host, values, verdict, false, v -> v);
  }

  /**
   * As {@link #onSample(long, String, double[], Verdict)}; {@code record}: some metric set a record
   * ({@link RecentRange}); {@code explain} builds the explanation of a
   * sample the row rules left unexplained once it turns out to belong to an incident.
   */
  public Result onSample(
      long timestampMs,
      String host,
      double[] values,
      Verdict judged,
      boolean record,
      UnaryOperator<Verdict> explain) {
    AlarmFilter.Step step =
        filter.step(
            index++,
            judged.score(),
            judged.level(),
            judged.anomaly(),
            judged.strong(),
            judged.alarming(),
            record);
    Verdict verdict = step.marked() && judged.reasons().isEmpty() ? explain.apply(judged) : judged;
    List<Event> events = new ArrayList<>(2);
    if (step.closed()) {
      suppressing = false;
      resolvedEpisode = false;
    }
    if (step.closed() && current != null) {
      current =
          new Incident(
              current.id(),
              current.host(),
              current.startedMs(),
              current.lastFlaggedMs(),
              current.lastFlaggedMs(),
              current.samples(),
              current.severity(),
              current.peakScore(),
              current.peakValues(),
              current.peak(),
              current.reasons());
      events.add(new Event(Change.CLOSED, current));
      current = null;
    }
    boolean open = step.opened();
    if (open && known.test(values, verdict)) {
      // like deviations people marked as false alarms: watched, but no incident
      open = false;
      suppressing = true;
      suppressed++;
    } else if (suppressing && step.marked() && current == null && !resolvedEpisode) {
      // the episode has grown beyond what was marked: it is an incident after all
      open = !known.test(values, verdict);
      suppressing = !open;
    }
    if (open) {
      suppressing = false;
      // One incident at a time per host, so its start time identifies it, across restarts too.
      current =
          new Incident(
              timestampMs,
              host,
              timestampMs,
              timestampMs,
              null,
              1,
              severityOf(verdict),
              verdict.score(),
              values,
              verdict,
              reasonsOf(List.of(), verdict, true));
      reportedPeakLevel = verdict.level();
      lastUpdateMs = timestampMs;
      events.add(new Event(Change.OPENED, current));
    } else if (step.marked() && current != null) {
      Incident before = current;
      current = extend(current, timestampMs, values, verdict);
      boolean escalated =
          current.severity().ordinal() > before.severity().ordinal()
              || current.reasons().size() > before.reasons().size()
              || current.peak().level() >= 1.5 * reportedPeakLevel;
      if (escalated || timestampMs - lastUpdateMs >= updateEveryMs) {
        lastUpdateMs = timestampMs;
        reportedPeakLevel = current.peak().level();
        events.add(new Event(Change.UPDATED, current));
      }
    }
    return new Result(step, verdict, events, suppressing && step.marked());
  }

  /** Says which deviations are like known false alarms; they open no incident. */
  public void known(Known known) {
    this.known = known;
  }

  /** Episodes passed over as like known false alarms. */
  public long suppressed() {
    return suppressed;
  }

  /**
   * A person resolved the incident: it closes now, and the alarm filter's current episode opens
   * no other (the next episode may).
   *
   * @return the close, or null when {@code id} is not the open incident
   */
  public Event resolve(long id) {
    if (current == null || current.id() != id) {
      return null;
    }
    Incident in = current;
    long end = in.lastFlaggedMs();
    current =
        new Incident(
            in.id(),
            in.host(),
            in.startedMs(),
            in.lastFlaggedMs(),
            end,
            in.samples(),
            in.severity(),
            in.peakScore(),
            in.peakValues(),
            in.peak(),
            in.reasons());
    Event closed = new Event(Change.CLOSED, current);
    current = null;
    resolvedEpisode = true;
    return closed;
  }

  /** The open incident, if any. */
  public Incident current() {
    return current;
  }

  private static Severity severityOf(Verdict v) {
    return v.severity() != null ? v.severity() : Severity.MEDIUM;
  }

  private static Incident extend(Incident in, long ts, double[] values, Verdict v) {
    boolean newPeak = v.level() > in.peak().level();
    Verdict peak = newPeak ? v : in.peak();
    return new Incident(
        in.id(),
        in.host(),
        in.startedMs(),
        ts,
        null,
        in.samples() + 1,
        in.severity().atLeast(severityOf(v)),
        newPeak ? v.score() : in.peakScore(),
        newPeak ? values : in.peakValues(),
        peak,
        reasonsOf(in.reasons(), v, newPeak));
  }

  /** The reasons seen so far with {@code v}'s added (first when it is the new peak), at most {@link Incident#MAX_REASONS}. */
  private static List<String> reasonsOf(List<String> seen, Verdict v, boolean peakFirst) {
    if (v.reasons().isEmpty()) {
      return seen;
    }
    Set<String> all = new LinkedHashSet<>();
    if (peakFirst) {
      all.addAll(v.reasons());
      all.addAll(seen);
    } else {
      all.addAll(seen);
      all.addAll(v.reasons());
    }
    List<String> out = new ArrayList<>(all);
    return List.copyOf(out.subList(0, Math.min(Incident.MAX_REASONS, out.size())));
  }
}
