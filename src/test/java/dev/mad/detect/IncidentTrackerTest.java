package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IncidentTrackerTest {
  private static final double[] VALUES = new double[8];

  private static Verdict flagged(double score, Severity severity, String detector) {
    return new Verdict(score, true, severity, List.of(new Verdict.Detection(detector, "cpu_percent", 9, 3)),
        new double[8], new double[8], new double[8], List.of("High CPU usage detected"), List.of("CPU: 90.0%"));
  }

  private static Verdict normal() {
    return new Verdict(-0.45, false, null, List.of(), new double[8], new double[8], new double[8], List.of(), List.of());
  }

  @Test
  @DisplayName("a one-sample blip opens no incident")
  void blipIgnored() {
    IncidentTracker t = new IncidentTracker(10_000, 2, 5_000);
    assertThat(t.onSample(0, "h", VALUES, flagged(-0.6, Severity.HIGH, "zscore"))).isEmpty();
    assertThat(t.onSample(1000, "h", VALUES, normal())).isEmpty();
    assertThat(t.onSample(2000, "h", VALUES, flagged(-0.6, Severity.HIGH, "zscore"))).isEmpty();
    assertThat(t.current()).isNull();
  }

  @Test
  @DisplayName("a run opens one incident, updates it with the peak, and closes it after the quiet period")
  void runLifecycle() {
    IncidentTracker t = new IncidentTracker(10_000, 2, 5_000);
    t.onSample(0, "h", VALUES, flagged(-0.6, Severity.HIGH, "zscore"));
    List<IncidentTracker.Event> opened = t.onSample(1000, "h", VALUES, flagged(-0.65, Severity.HIGH, "zscore"));
    assertThat(opened).extracting(IncidentTracker.Event::change).containsExactly(IncidentTracker.Change.OPENED);
    assertThat(opened.get(0).incident().startedMs()).isZero();
    assertThat(opened.get(0).incident().samples()).isEqualTo(2);

    List<IncidentTracker.Event> escalated = t.onSample(2000, "h", VALUES, flagged(-0.8, Severity.CRITICAL, "zscore"));
    assertThat(escalated).extracting(IncidentTracker.Event::change).containsExactly(IncidentTracker.Change.UPDATED);
    assertThat(escalated.get(0).incident().peakScore()).isEqualTo(-0.8);
    assertThat(escalated.get(0).incident().severity()).isEqualTo(Severity.CRITICAL);

    for (long ts = 3000; ts < 12_000; ts += 1000) {
      assertThat(t.onSample(ts, "h", VALUES, normal())).isEmpty();
    }
    List<IncidentTracker.Event> closed = t.onSample(12_000, "h", VALUES, normal());
    assertThat(closed).extracting(IncidentTracker.Event::change).containsExactly(IncidentTracker.Change.CLOSED);
    assertThat(closed.get(0).incident().durationSeconds()).isEqualTo(2.0);
    assertThat(t.current()).isNull();
  }

  @Test
  @DisplayName("a fired rule opens an incident at once")
  void ruleOpensAtOnce() {
    IncidentTracker t = new IncidentTracker(10_000, 3, 5_000);
    assertThat(t.onSample(0, "h", VALUES, flagged(-0.5, Severity.CRITICAL, "rule:cpu_critical")))
        .extracting(IncidentTracker.Event::change).containsExactly(IncidentTracker.Change.OPENED);
  }
}
