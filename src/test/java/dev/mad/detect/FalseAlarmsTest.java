package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.IncidentChange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FalseAlarmsTest {
  private static final long DAY = 86_400_000L;

  @Test
  @DisplayName(
      "two marks in one direction cover deviations up to 1.2 × the largest; not the other way, not"
          + " another metric, not after they expire")
  void rule() {
    FalseAlarms f = new FalseAlarms(2, 1.2, 30 * DAY);
    f.mark(new FalseAlarms.Mark("disk_write_mb", 1, 50, 0));
    assertThat(f.covers("disk_write_mb", 40, DAY)).as("one mark is not enough").isFalse();
    f.mark(new FalseAlarms.Mark("disk_write_mb", 1, 58, DAY));
    assertThat(f.covers("disk_write_mb", 40, 2 * DAY)).isTrue();
    assertThat(f.covers("disk_write_mb", 69.5, 2 * DAY)).isTrue();
    assertThat(f.covers("disk_write_mb", 70, 2 * DAY)).as("beyond 1.2 × 58").isFalse();
    assertThat(f.covers("disk_write_mb", -40, 2 * DAY)).as("the other way").isFalse();
    assertThat(f.covers("cpu_percent", 40, 2 * DAY)).as("another metric").isFalse();
    assertThat(f.covers("disk_write_mb", 40, 30 * DAY + 1)).as("the first mark expired").isFalse();
  }

  @Test
  @DisplayName("a mark is the leading metric's distance from its usual value at the peak")
  void markOfAnIncident() {
    var r =
        new IncidentChange.Report(
            1,
            "2026-12-03T10:00:00Z",
            -0.6,
            Map.of("disk_write_mb", 60.0, "cpu_percent", 14.0),
            "High disk activity",
            List.of(),
            "high",
            "h",
            List.of(),
            Map.of("disk_write_mb", 90.0, "cpu_percent", 10.0),
            Map.of("disk_write_mb", 2.0, "cpu_percent", 12.0),
            "2026-12-03T10:00:00Z",
            null,
            1,
            1);
    FalseAlarms.Mark m = HostDetector.markOf(r, 5);
    assertThat(m.metric()).isEqualTo("disk_write_mb");
    assertThat(m.sign()).isEqualTo(1);
    assertThat(m.deviation()).isEqualTo(58.0);
    assertThat(m.markedMs()).isEqualTo(5);
  }
}
