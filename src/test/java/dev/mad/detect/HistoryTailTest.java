package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.MetricSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTailTest {
  static final String HEADER =
      "timestamp,cpu_percent,cpu_frequency,memory_percent,memory_available_gb,"
          + "disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb,is_anomaly,anomaly_score,severity,host,"
          + "agent_id,seq";
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT)
          .withZone(ZoneOffset.UTC);
  private static final long T0 = Instant.parse("2026-12-03T10:00:00Z").toEpochMilli();

  @TempDir Path dir;

  /** A history line as persist writes it. */
  static String line(long ts, String host, double cpu, boolean flagged) {
    return TS.format(Instant.ofEpochMilli(ts))
        + ","
        + cpu
        + ",2400.0000,40.0000,8.0000,1.0000,2.0000,0.5000,0.8000,"
        + flagged
        + ",-0.4500,,"
        + host
        + ",,";
  }

  @Test
  @DisplayName(
      "the last window per host, oldest first, with flags; cut, bad and too old lines are skipped")
  void lastWindow() throws Exception {
    StringBuilder csv = new StringBuilder(HEADER).append('\n');
    for (int s = 0; s < 100; s++) {
      csv.append(line(T0 + s * 1000L, "web-1", 10 + s, s == 95)).append('\n');
      csv.append(line(T0 + s * 1000L, "\"db,1\"", 20, false)).append('\n');
    }
    csv.append("2026-12-03 10:01:40.000000,not-a-number\n");
    csv.append(line(T0 + 100_000, "web-1", 5, false), 0, 30); // cut by a crash, no newline
    Path file = Files.writeString(dir.resolve("metrics_history.csv"), csv);

    Map<String, List<HistoryTail.Row>> tail =
        HistoryTail.read(file, MetricSample.METRICS, 30_000, 1 << 20, 10, ZoneOffset.UTC);
    assertThat(tail.keySet()).containsExactlyInAnyOrder("web-1", "db,1");
    List<HistoryTail.Row> web = tail.get("web-1");
    assertThat(web).hasSize(31);
    assertThat(web.get(0).timestampMs()).isEqualTo(T0 + 69_000);
    assertThat(web.get(30).timestampMs()).isEqualTo(T0 + 99_000);
    assertThat(web.get(30).values()[0]).isEqualTo(109.0);
    assertThat(web.get(26).flagged()).isTrue();
    assertThat(web.get(25).flagged()).isFalse();

    Map<String, List<HistoryTail.Row>> small =
        HistoryTail.read(file, MetricSample.METRICS, 30_000, 2_000, 1, ZoneId.of("UTC"));
    assertThat(small).as("one host at most, from the last 2 KB").hasSize(1);
    assertThat(small.values().iterator().next()).hasSizeLessThan(20);

    assertThat(
            HistoryTail.read(
                dir.resolve("none.csv"), MetricSample.METRICS, 30_000, 1 << 20, 10, ZoneOffset.UTC))
        .isEmpty();
    Path other = Files.writeString(dir.resolve("other.csv"), "a,b\n1,2\n");
    assertThat(HistoryTail.read(other, MetricSample.METRICS, 30_000, 1 << 20, 10, ZoneOffset.UTC))
        .isEmpty();
  }

  @Test
  @DisplayName("a long file is read backwards only as far as the window reaches, across chunks")
  void longFile() throws Exception {
    StringBuilder csv = new StringBuilder(HEADER).append('\n');
    for (int s = 0; s < 20_000; s++) {
      csv.append(line(T0 + s * 1000L, "web-1", 10, false)).append('\n');
    }
    Path file = Files.writeString(dir.resolve("metrics_history.csv"), csv);
    assertThat(Files.size(file)).isGreaterThan(2_000_000);
    var shortWindow =
        HistoryTail.read(file, MetricSample.METRICS, 30_000, 64 << 20, 10, ZoneOffset.UTC);
    assertThat(shortWindow.get("web-1")).hasSize(31);
    var longWindow =
        HistoryTail.read(file, MetricSample.METRICS, 5_000_000, 64 << 20, 10, ZoneOffset.UTC);
    assertThat(longWindow.get("web-1")).hasSize(5001);
    assertThat(longWindow.get("web-1").get(0).timestampMs()).isEqualTo(T0 + 14_999_000L);
    var whole =
        HistoryTail.read(file, MetricSample.METRICS, 100_000_000, 64 << 20, 10, ZoneOffset.UTC);
    assertThat(whole.get("web-1")).as("back to the header").hasSize(20_000);
  }
}
