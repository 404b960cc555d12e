package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IncidentTrackerTest {
  private static final double[] VALUES = new double[8];

  private static Verdict flagged(
      double score, Severity severity, String detector, String reason, double level) {
    return new Verdict(
        score,
        true,
        severity,
        List.of(new Verdict.Detection(detector, "cpu_percent", 9, 3)),
        new double[8],
        new double[8],
        new double[8],
        List.of(reason),
        List.of("CPU: 90.0%"),
        level,
        detector.startsWith("rule:"),
        false);
  }

  private static Verdict normal() {
    return new Verdict(
        -0.45,
        false,
        null,
        List.of(),
        new double[8],
        new double[8],
        new double[8],
        List.of(),
        List.of(),
        0.3,
        false,
        false);
  }

  private static IncidentTracker tracker() {
    return new IncidentTracker(new AlarmFilter(AlarmFilter.DEFAULT_OPEN_LEVEL, 0.05, 10), 5_000);
  }

  @Test
  @DisplayName("a one-sample blip of ordinary size opens no incident")
  void blipIgnored() {
    IncidentTracker t = tracker();
    assertThat(
            t.onSample(0, "h", VALUES, flagged(-0.6, Severity.HIGH, "zscore", "r", 2.0)).events())
        .isEmpty();
    assertThat(t.onSample(1000, "h", VALUES, normal()).events()).isEmpty();
    assertThat(t.current()).isNull();
  }

  @Test
  @DisplayName(
      "a fired rule opens an incident at once, a clear escalation updates it at once, quiet samples close it")
  void lifecycle() {
    IncidentTracker t = tracker();
    List<IncidentTracker.Event> opened =
        t.onSample(
                0,
                "h",
                VALUES,
                flagged(-0.6, Severity.HIGH, "rule:cpu_critical", "High CPU usage detected", 3))
            .events();
    assertThat(opened)
        .extracting(IncidentTracker.Event::change)
        .containsExactly(IncidentTracker.Change.OPENED);
    assertThat(opened.get(0).incident().startedMs()).isZero();

    // another metric deviates while the incident lasts: it shows at once, with the new peak's
    // reason first
    List<IncidentTracker.Event> escalated =
        t.onSample(
                1000,
                "h",
                VALUES,
                flagged(
                    -0.8, Severity.CRITICAL, "rule:memory_critical", "High memory consumption", 9))
            .events();
    assertThat(escalated)
        .extracting(IncidentTracker.Event::change)
        .containsExactly(IncidentTracker.Change.UPDATED);
    Incident now = escalated.get(0).incident();
    assertThat(now.peakScore()).isEqualTo(-0.8);
    assertThat(now.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(now.reasons()).containsExactly("High memory consumption", "High CPU usage detected");

    // quiet samples: the smoothed level decays, then the quiet period (10 samples) closes the
    // incident
    List<IncidentTracker.Event> closed = List.of();
    long ts = 2000;
    for (; ts < 40_000 && closed.isEmpty(); ts += 1000) {
      closed = t.onSample(ts, "h", VALUES, normal()).events();
    }
    assertThat(closed)
        .extracting(IncidentTracker.Event::change)
        .containsExactly(IncidentTracker.Change.CLOSED);
    assertThat(ts).isGreaterThanOrEqualTo(12_000);
    assertThat(closed.get(0).incident().durationSeconds()).isEqualTo(1.0);
    assertThat(closed.get(0).incident().endedMs()).isEqualTo(1000L);
    assertThat(t.current()).isNull();
  }

  @Test
  @DisplayName(
      "a sample the row rules left unexplained is explained once it belongs to an incident")
  void explainsMembers() {
    IncidentTracker t = tracker();
    t.onSample(
        0,
        "h",
        VALUES,
        flagged(-0.6, Severity.HIGH, "rule:cpu_critical", "High CPU usage detected", 3));
    Verdict quiet =
        new Verdict(
            -0.5,
            false,
            null,
            List.of(),
            new double[8],
            new double[8],
            new double[8],
            List.of(),
            List.of(),
            20,
            false,
            false);
    IncidentTracker.Result r =
        t.onSample(
            1000,
            "h",
            VALUES,
            quiet,
            false,
            v ->
                flagged(
                    v.score(), Severity.MEDIUM, "zscore", "CPU far above its usual 5%", v.level()));
    assertThat(r.flagged()).isTrue();
    assertThat(t.current().reasons()).contains("CPU far above its usual 5%");
  }

  @Test
  @DisplayName(
      "a resolved incident closes at once and the same episode opens no other; the next episode"
          + " does")
  void resolvedByAPerson() {
    IncidentTracker t = tracker();
    Verdict rule = flagged(-0.6, Severity.HIGH, "rule:cpu_critical", "High CPU usage detected", 3);
    long id = t.onSample(0, "h", VALUES, rule).events().get(0).incident().id();
    assertThat(t.resolve(id + 1)).as("not the open one").isNull();
    IncidentTracker.Event closed = t.resolve(id);
    assertThat(closed.change()).isEqualTo(IncidentTracker.Change.CLOSED);
    assertThat(closed.incident().open()).isFalse();
    assertThat(t.current()).isNull();
    for (int i = 1; i <= 5; i++) {
      assertThat(t.onSample(i * 1000L, "h", VALUES, rule).events()).as("same episode").isEmpty();
    }
    int i = 6;
    while (t.onSample(i * 1000L, "h", VALUES, normal()).step().marked()) {
      i++;
    }
    for (int q = 0; q < 20; q++, i++) {
      t.onSample(i * 1000L, "h", VALUES, normal());
    }
    assertThat(t.onSample(i * 1000L, "h", VALUES, rule).events())
        .extracting(IncidentTracker.Event::change)
        .as("a new episode")
        .containsExactly(IncidentTracker.Change.OPENED);
  }

  @Test
  @DisplayName(
      "an episode like known false alarms opens nothing and is not flagged, until it grows beyond"
          + " them")
  void knownFalseAlarm() {
    IncidentTracker t = tracker();
    double[] small = new double[8];
    small[0] = 50;
    double[] large = new double[8];
    large[0] = 99;
    t.known((values, v) -> values[0] < 60);
    Verdict rule = flagged(-0.6, Severity.HIGH, "rule:cpu_critical", "High CPU usage detected", 3);
    IncidentTracker.Result first = t.onSample(0, "h", small, rule);
    assertThat(first.events()).isEmpty();
    assertThat(first.flagged()).isFalse();
    assertThat(t.suppressed()).isEqualTo(1);
    IncidentTracker.Result grown = t.onSample(1000, "h", large, rule);
    assertThat(grown.events())
        .extracting(IncidentTracker.Event::change)
        .containsExactly(IncidentTracker.Change.OPENED);
    assertThat(grown.flagged()).isTrue();
    assertThat(grown.events().get(0).incident().startedMs()).isEqualTo(1000);
  }
}
