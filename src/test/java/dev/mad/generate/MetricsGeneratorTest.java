package dev.mad.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetricsGeneratorTest {

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  private static final Set<DayOfWeek> WEEKEND = EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);

  @Test
  @DisplayName("both files start with the exact headers the rest of the product reads")
  void headers() throws IOException {
    DataSet data = generate(GeneratorSettings.withSeed(42), 10);

    assertThat(data.metricsLines().get(0))
        .isEqualTo(
            "timestamp,cpu_percent,cpu_frequency,memory_percent,"
                + "memory_available_gb,disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb");
    assertThat(data.labelLines().get(0)).isEqualTo("row_index,label,anomaly_type");
  }

  @Test
  @DisplayName("writes exactly the requested rows and one label per row, indexed from 0")
  void rowCount() throws IOException {
    DataSet data = generate(GeneratorSettings.withSeed(7), 1234);
    List<Row> rows = data.rows();

    assertThat(rows).hasSize(1234);
    assertThat(data.labelLines()).hasSize(1235);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(rows.get(i).labelIndex()).isEqualTo(i);
    }
    assertThat(data.metrics()).endsWith("\n").doesNotContain("\r");
  }

  @Test
  @DisplayName("the same seed gives byte-identical files")
  void sameSeedSameBytes(@TempDir Path dir) throws IOException {
    writeFiles(
        GeneratorSettings.withSeed(42), 5000, dir.resolve("a.csv"), dir.resolve("a.labels.csv"));
    writeFiles(
        GeneratorSettings.withSeed(42), 5000, dir.resolve("b.csv"), dir.resolve("b.labels.csv"));

    assertThat(Files.mismatch(dir.resolve("a.csv"), dir.resolve("b.csv"))).isEqualTo(-1);
    assertThat(Files.mismatch(dir.resolve("a.labels.csv"), dir.resolve("b.labels.csv")))
        .isEqualTo(-1);
  }

  @Test
  @DisplayName("a different seed gives different metrics and different anomaly positions")
  void differentSeedDifferentData() throws IOException {
    DataSet first = generate(GeneratorSettings.withSeed(1), 2000);
    DataSet second = generate(GeneratorSettings.withSeed(2), 2000);

    assertThat(second.metrics()).isNotEqualTo(first.metrics());
    assertThat(second.labels()).isNotEqualTo(first.labels());
  }

  @Test
  @DisplayName("changing only the anomaly rate leaves the normal rows of a seed untouched")
  void anomalyRateDoesNotShiftBaseline() throws IOException {
    DataSet sparse = generate(GeneratorSettings.of(42, 0.01, Duration.ofSeconds(60)), 3000);
    DataSet dense = generate(GeneratorSettings.of(42, 0.3, Duration.ofSeconds(60)), 3000);
    List<Row> sparseRows = sparse.rows();
    List<Row> denseRows = dense.rows();

    int compared = 0;
    for (int i = 0; i < 3000; i++) {
      if (!sparseRows.get(i).anomalous() && !denseRows.get(i).anomalous()) {
        assertThat(dense.metricsLines().get(i + 1)).isEqualTo(sparse.metricsLines().get(i + 1));
        compared++;
      }
    }
    assertThat(compared).isGreaterThan(1500);
  }

  @Test
  @DisplayName(
      "2000 rows at the default rate hold a plausible number of anomalous rows, as the summary says")
  void defaultRateOnSmallFile() throws IOException {
    DataSet data = generate(GeneratorSettings.withSeed(42), 2000);

    long anomalous = data.rows().stream().filter(Row::anomalous).count();
    assertThat(anomalous).isBetween(20L, 300L);
    assertThat(data.summary().rows()).isEqualTo(2000);
    assertThat(data.summary().anomalousRows()).isEqualTo(anomalous);
  }

  @ParameterizedTest(name = "rate {0}")
  @ValueSource(doubles = {0.01, 0.05, 0.2, 0.5})
  @DisplayName("over 100k rows the anomalous fraction is within 30% of the requested rate")
  void rateOnLargeFile(double rate) throws IOException {
    DataSet data = generate(GeneratorSettings.of(42, rate, Duration.ofSeconds(60)), 100_000);

    double fraction = data.rows().stream().filter(Row::anomalous).count() / 100_000.0;
    assertThat(fraction).isCloseTo(rate, within(0.3 * rate));
  }

  @Test
  @DisplayName("a rate of 0 gives no anomalies at all")
  void zeroRate() throws IOException {
    DataSet data = generate(GeneratorSettings.of(42, 0, Duration.ofSeconds(60)), 20_000);

    assertThat(data.rows()).noneMatch(Row::anomalous);
    assertThat(data.labelLines().subList(1, data.labelLines().size()))
        .allMatch(line -> line.endsWith(",0,"));
  }

  @Test
  @DisplayName("every anomaly type appears in a 20k-row file, labelled 1 with its lowercase name")
  void everyTypePresent() throws IOException {
    DataSet data = generate(GeneratorSettings.withSeed(42), 20_000);

    Set<String> types =
        data.rows().stream()
            .filter(Row::anomalous)
            .map(Row::anomalyType)
            .collect(Collectors.toSet());
    assertThat(types)
        .containsExactlyInAnyOrder(
            "cpu_spike", "memory_leak", "disk_burst", "network_flood", "resource_contention");
    assertThat(data.rows()).allMatch(row -> row.anomalous() != row.anomalyType().isEmpty());
    assertThat(data.summary().episodesByType())
        .allSatisfy((type, episodes) -> assertThat(episodes).isPositive());
  }

  @Test
  @DisplayName("every value lies in its physical range, with two decimals")
  void valuesInRange() throws IOException {
    DataSet data = generate(GeneratorSettings.of(3, 0.2, Duration.ofSeconds(60)), 50_000);

    assertThat(data.metricsLines().subList(1, data.metricsLines().size()))
        .allMatch(line -> line.matches("[0-9 :.-]{26}(,\\d+\\.\\d\\d){8}"));
    for (Row row : data.rows()) {
      assertThat(row.cpuPercent()).isBetween(0.0, 100.0);
      assertThat(row.cpuFrequency()).isBetween(2400.0, 3600.0);
      assertThat(row.memoryPercent()).isBetween(0.0, 100.0);
      assertThat(row.memoryAvailableGb()).isBetween(0.0, 16.0);
      assertThat(row.diskReadMb()).isGreaterThanOrEqualTo(0);
      assertThat(row.diskWriteMb()).isGreaterThanOrEqualTo(0);
      assertThat(row.networkSentMb()).isGreaterThanOrEqualTo(0);
      assertThat(row.networkRecvMb()).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  @DisplayName("available memory is what a 16 GiB host has left at the stated memory percentage")
  void memoryAvailableMatchesPercent() throws IOException {
    DataSet data = generate(GeneratorSettings.of(5, 0.3, Duration.ofSeconds(60)), 20_000);

    for (Row row : data.rows()) {
      assertThat(row.memoryAvailableGb())
          .isCloseTo(16 * (1 - row.memoryPercent() / 100), within(0.0051));
    }
  }

  @ParameterizedTest(name = "every {0} s")
  @ValueSource(doubles = {60, 1, 0.25, 3600})
  @DisplayName("timestamps start at the fixed start time and step by exactly the interval")
  void timestampsStepByInterval(double intervalSeconds) throws IOException {
    Duration interval = Duration.ofNanos(Math.round(intervalSeconds * 1e9));
    DataSet data = generate(GeneratorSettings.of(42, 0.05, interval), 3000);

    LocalDateTime expected = GeneratorSettings.DEFAULT_START;
    assertThat(data.rows().get(0).timestamp()).isEqualTo("2025-01-06 00:00:00.000000");
    for (Row row : data.rows()) {
      assertThat(LocalDateTime.parse(row.timestamp(), TIMESTAMP)).isEqualTo(expected);
      expected = expected.plus(interval);
    }
  }

  @Test
  @DisplayName("each anomaly type stands out from every normal row on the metric it affects")
  void anomaliesAreDistinguishable() throws IOException {
    List<Row> rows = generate(GeneratorSettings.of(42, 0.1, Duration.ofSeconds(60)), 50_000).rows();
    List<Row> normal = rows.stream().filter(row -> !row.anomalous()).toList();

    assertThat(normal)
        .allSatisfy(
            row -> {
              assertThat(row.cpuPercent()).isLessThan(85);
              assertThat(row.memoryPercent()).isLessThan(80);
              assertThat(Math.max(row.diskReadMb(), row.diskWriteMb())).isLessThan(50);
              assertThat(Math.max(row.networkSentMb(), row.networkRecvMb())).isLessThan(30);
            });
    assertThat(ofType(rows, "cpu_spike"))
        .allSatisfy(row -> assertThat(row.cpuPercent()).isBetween(85.0, 100.0));
    assertThat(ofType(rows, "disk_burst"))
        .allSatisfy(
            row ->
                assertThat(Math.max(row.diskReadMb(), row.diskWriteMb())).isBetween(50.0, 400.0));
    assertThat(ofType(rows, "network_flood"))
        .allSatisfy(
            row ->
                assertThat(Math.max(row.networkSentMb(), row.networkRecvMb()))
                    .isBetween(40.0, 400.0));
    assertThat(ofType(rows, "resource_contention"))
        .allSatisfy(
            row -> {
              assertThat(row.cpuPercent()).isGreaterThanOrEqualTo(85);
              assertThat(row.memoryPercent()).isGreaterThanOrEqualTo(80);
              assertThat(Math.min(row.diskReadMb(), row.diskWriteMb())).isGreaterThanOrEqualTo(50);
              assertThat(Math.min(row.networkSentMb(), row.networkRecvMb()))
                  .isGreaterThanOrEqualTo(30);
            });
    assertThat(ofType(rows, "memory_leak"))
        .allSatisfy(row -> assertThat(row.memoryPercent()).isGreaterThan(60));
  }

  @Test
  @DisplayName("a memory leak ramps up over its episode and ends near full memory")
  void memoryLeakRamps() throws IOException {
    List<Row> rows = generate(GeneratorSettings.of(42, 0.1, Duration.ofSeconds(60)), 20_000).rows();

    List<List<Row>> leaks = episodes(rows, "memory_leak");
    assertThat(leaks).hasSizeGreaterThan(10);
    assertThat(leaks)
        .allSatisfy(
            leak -> {
              assertThat(leak)
                  .hasSizeBetween(
                      AnomalyType.MEMORY_LEAK.minRows(), AnomalyType.MEMORY_LEAK.maxRows());
              assertThat(leak.get(leak.size() - 1).memoryPercent()).isGreaterThan(88);
              assertThat(leak.get(leak.size() - 1).memoryPercent())
                  .isGreaterThan(leak.get(0).memoryPercent() + 15);
            });
  }

  @Test
  @DisplayName(
      "weekday working hours are busier than nights, and weekends are quieter than weekdays")
  void dailyCycle() throws IOException {
    List<Row> normal =
        generate(GeneratorSettings.of(42, 0, Duration.ofSeconds(60)), 4 * 7 * 1440).rows();

    double workingHours = meanCpu(normal, false, 10, 16);
    double nights = meanCpu(normal, false, 0, 5);
    double weekendDays = meanCpu(normal, true, 10, 16);
    assertThat(workingHours).isGreaterThan(3 * nights);
    assertThat(workingHours).isGreaterThan(1.5 * weekendDays);
  }

  @Test
  @DisplayName("disk and network traffic rise and fall with CPU load, and CPU is autocorrelated")
  void cpuDrivesIo() throws IOException {
    List<Row> rows = generate(GeneratorSettings.of(9, 0, Duration.ofSeconds(60)), 20_000).rows();
    double[] cpu = rows.stream().mapToDouble(Row::cpuPercent).toArray();

    assertThat(correlation(cpu, rows.stream().mapToDouble(Row::diskReadMb).toArray()))
        .isGreaterThan(0.5);
    assertThat(correlation(cpu, rows.stream().mapToDouble(Row::networkRecvMb).toArray()))
        .isGreaterThan(0.5);
    double[] previous = Arrays.copyOf(cpu, cpu.length - 1);
    double[] next = Arrays.copyOfRange(cpu, 1, cpu.length);
    assertThat(correlation(previous, next)).isGreaterThan(0.8);
  }

  @Test
  @DisplayName("memory drifts slowly: small steps from row to row but a wide range over weeks")
  void memoryDriftsSlowly() throws IOException {
    List<Row> rows = generate(GeneratorSettings.of(11, 0, Duration.ofSeconds(60)), 20_000).rows();

    double totalStep = 0;
    for (int i = 1; i < rows.size(); i++) {
      totalStep += Math.abs(rows.get(i).memoryPercent() - rows.get(i - 1).memoryPercent());
    }
    double min = rows.stream().mapToDouble(Row::memoryPercent).min().orElseThrow();
    double max = rows.stream().mapToDouble(Row::memoryPercent).max().orElseThrow();
    assertThat(totalStep / (rows.size() - 1)).isLessThan(1.0);
    assertThat(max - min).isGreaterThan(10);
  }

  @Test
  @DisplayName("the CPU governor reports a few discrete frequencies that follow load")
  void frequencyFollowsLoad() throws IOException {
    List<Row> rows = generate(GeneratorSettings.of(42, 0, Duration.ofSeconds(60)), 20_000).rows();

    Set<Double> frequencies = rows.stream().map(Row::cpuFrequency).collect(Collectors.toSet());
    assertThat(frequencies).hasSizeBetween(3, 7).allMatch(mhz -> mhz % 200 == 0);
    double idle =
        rows.stream()
            .filter(row -> row.cpuPercent() < 8)
            .mapToDouble(Row::cpuFrequency)
            .average()
            .orElseThrow();
    double busy =
        rows.stream()
            .filter(row -> row.cpuPercent() > 40)
            .mapToDouble(Row::cpuFrequency)
            .average()
            .orElseThrow();
    assertThat(busy).isGreaterThan(idle + 500);
  }

  @Test
  @DisplayName("refuses a row count whose timestamps would run past the year 9999")
  void rowsMustFitTheTimestampFormat() {
    MetricsGenerator generator =
        new MetricsGenerator(GeneratorSettings.of(1, 0.05, Duration.ofDays(365)));

    generator.requireRowsFit(7000);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> generator.requireRowsFit(8000))
        .withMessageContaining("9999");
  }

  // --- helpers ---

  @Test
  @DisplayName(
      "a daily job raises the CPU at its time on every day, labelled normal, and changes no other"
          + " row")
  void dailyJob() throws Exception {
    GeneratorSettings plain = GeneratorSettings.of(5, 0.0, Duration.ofSeconds(60));
    GeneratorSettings withJob = plain.withDailyJobs(DailyJob.parseAll("06:00,10,70; 23:55,10,50"));
    List<Row> before = generate(plain, 3 * 1440).rows();
    List<Row> after = generate(withJob, 3 * 1440).rows();
    int jobRows = 0;
    for (int i = 0; i < after.size(); i++) {
      int minute = i % 1440;
      boolean morning = minute >= 360 && minute < 370;
      boolean midnight = minute >= 1435 || minute < 5;
      Row a = after.get(i);
      assertThat(a.anomalous()).as("normal behaviour").isFalse();
      if (morning || midnight) {
        jobRows++;
        assertThat(a.cpuPercent()).as(a.timestamp()).isGreaterThanOrEqualTo(morning ? 67 : 47);
      } else {
        assertThat(a).as(a.timestamp()).isEqualTo(before.get(i));
      }
    }
    assertThat(jobRows).isEqualTo(3 * 20);
  }

  record Row(
      String timestamp,
      double cpuPercent,
      double cpuFrequency,
      double memoryPercent,
      double memoryAvailableGb,
      double diskReadMb,
      double diskWriteMb,
      double networkSentMb,
      double networkRecvMb,
      int labelIndex,
      boolean anomalous,
      String anomalyType) {

    static Row parse(String metricsLine, String labelLine) {
      String[] m = metricsLine.split(",", -1);
      String[] l = labelLine.split(",", -1);
      assertThat(m).hasSize(9);
      assertThat(l).hasSize(3);
      assertThat(l[1]).isIn("0", "1");
      return new Row(
          m[0],
          Double.parseDouble(m[1]),
          Double.parseDouble(m[2]),
          Double.parseDouble(m[3]),
          Double.parseDouble(m[4]),
          Double.parseDouble(m[5]),
          Double.parseDouble(m[6]),
          Double.parseDouble(m[7]),
          Double.parseDouble(m[8]),
          Integer.parseInt(l[0]),
          l[1].equals("1"),
          l[2]);
    }

    LocalDateTime time() {
      return LocalDateTime.parse(timestamp, TIMESTAMP);
    }
  }

  record DataSet(String metrics, String labels, GenerationSummary summary) {
    List<String> metricsLines() {
      return metrics.lines().toList();
    }

    List<String> labelLines() {
      return labels.lines().toList();
    }

    List<Row> rows() {
      List<String> metricsLines = metricsLines();
      List<String> labelLines = labelLines();
      assertThat(labelLines).hasSameSizeAs(metricsLines);
      List<Row> rows = new ArrayList<>();
      for (int i = 1; i < metricsLines.size(); i++) {
        rows.add(Row.parse(metricsLines.get(i), labelLines.get(i)));
      }
      return rows;
    }
  }

  static DataSet generate(GeneratorSettings settings, long rows) throws IOException {
    StringBuilder metrics = new StringBuilder();
    StringBuilder labels = new StringBuilder();
    GenerationSummary summary = new MetricsGenerator(settings).write(rows, metrics, labels);
    return new DataSet(metrics.toString(), labels.toString(), summary);
  }

  private static void writeFiles(GeneratorSettings settings, long rows, Path metrics, Path labels)
      throws IOException {
    try (Writer metricsOut = Files.newBufferedWriter(metrics);
        Writer labelsOut = Files.newBufferedWriter(labels)) {
      new MetricsGenerator(settings).write(rows, metricsOut, labelsOut);
    }
  }

  private static List<Row> ofType(List<Row> rows, String type) {
    List<Row> matching = rows.stream().filter(row -> row.anomalyType().equals(type)).toList();
    assertThat(matching).as("rows of type %s", type).isNotEmpty();
    return matching;
  }

  private static List<List<Row>> episodes(List<Row> rows, String type) {
    List<List<Row>> episodes = new ArrayList<>();
    List<Row> current = null;
    for (Row row : rows) {
      if (row.anomalyType().equals(type)) {
        if (current == null) {
          current = new ArrayList<>();
          episodes.add(current);
        }
        current.add(row);
      } else {
        current = null;
      }
    }
    return episodes;
  }

  private static double meanCpu(List<Row> rows, boolean weekend, int fromHour, int toHour) {
    return rows.stream()
        .filter(row -> WEEKEND.contains(row.time().getDayOfWeek()) == weekend)
        .filter(row -> row.time().getHour() >= fromHour && row.time().getHour() < toHour)
        .mapToDouble(Row::cpuPercent)
        .average()
        .orElseThrow();
  }

  private static double correlation(double[] x, double[] y) {
    double meanX = Arrays.stream(x).average().orElseThrow();
    double meanY = Arrays.stream(y).average().orElseThrow();
    double covariance = 0;
    double varianceX = 0;
    double varianceY = 0;
    for (int i = 0; i < x.length; i++) {
      covariance += (x[i] - meanX) * (y[i] - meanY);
      varianceX += (x[i] - meanX) * (x[i] - meanX);
      varianceY += (y[i] - meanY) * (y[i] - meanY);
    }
    return covariance / Math.sqrt(varianceX * varianceY);
  }
}
