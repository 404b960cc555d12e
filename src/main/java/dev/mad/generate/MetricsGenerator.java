package dev.mad.generate;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Streams a synthetic, labelled host-metrics data set in the seed's CSV schema: a realistic daily baseline with
 * injected anomaly episodes. Rows are written one at a time, so memory use does not grow with the row count.
 */
public final class MetricsGenerator {

  public static final String METRICS_HEADER =
      "timestamp,cpu_percent,cpu_frequency,memory_percent,"
          + "memory_available_gb,disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb";
  public static final String LABELS_HEADER = "row_index,label,anomaly_type";

  /** memory_available_gb is derived from memory_percent against this total, as on the seed's 16 GiB host. */
  public static final double TOTAL_MEMORY_GB = 16.0;

  private static final int LAST_WRITABLE_YEAR = 9999;

  private final GeneratorSettings settings;

  public MetricsGenerator(GeneratorSettings settings) {
    this.settings = settings;
  }

  /**
   * Checks that {@code rows} rows can be stamped: the format has four-digit years.
   *
   * @throws IllegalArgumentException if the last row would fall after the year 9999
   */
  public void requireRowsFit(long rows) {
    if (rows < 0) {
      throw new IllegalArgumentException("row count must not be negative, got " + rows);
    }
    if (rows == 0) {
      return;
    }
    try {
      LocalDateTime last =
          SampleClock.timestampOfRow(settings.start(), settings.intervalMicros(), rows - 1);
      if (last.getYear() > LAST_WRITABLE_YEAR) {
        throw new IllegalArgumentException("the last row would be stamped after the year 9999");
      }
    } catch (ArithmeticException | DateTimeException e) {
      throw new IllegalArgumentException("the last row would be stamped after the year 9999", e);
    }
  }

  /**
   * Writes the header and {@code rows} data rows to {@code metrics}, and the matching header and one label line
   * per row to {@code labels}. Callers should pass buffered sinks; each row is appended as one piece.
   */
  public GenerationSummary write(long rows, Appendable metrics, Appendable labels)
      throws IOException {
    requireRowsFit(rows);
    SeededNoise root = new SeededNoise(settings.seed());
    // Separate streams: the anomaly rate changes where episodes go, never the normal series
    // underneath.
    HostBaseline baseline = new HostBaseline(root.split(), settings.interval().toNanos() / 1e9);
    AnomalySchedule schedule = new AnomalySchedule(root.split(), settings.anomalyRate());
    SampleClock clock = new SampleClock(settings.start(), settings.intervalMicros());
    MetricsSample sample = new MetricsSample();
    StringBuilder line = new StringBuilder(160);
    long anomalousRows = 0;

    metrics.append(METRICS_HEADER).append('\n');
    labels.append(LABELS_HEADER).append('\n');
    for (long row = 0; row < rows; row++) {
      clock.moveToRow(row);
      AnomalyEpisode episode =
          nextSample(
              baseline, schedule, settings.dailyJobs(), clock.hourOfDay(), clock.weekend(), sample);
      if (episode != null) {
        anomalousRows++;
      }

      line.setLength(0);
      appendMetricsLine(line, clock, sample);
      metrics.append(line);

      line.setLength(0);
      line.append(row).append(',');
      if (episode == null) {
        line.append("0,");
      } else {
        line.append("1,").append(episode.type().label());
      }
      line.append('\n');
      labels.append(line);
    }

    Map<AnomalyType, Long> episodesByType = new EnumMap<>(AnomalyType.class);
    for (AnomalyType type : AnomalyType.values()) {
      episodesByType.put(type, schedule.episodes(type));
    }
    return new GenerationSummary(rows, anomalousRows, episodesByType);
  }

  /**
   * One sample: the baseline at that hour, the daily jobs running then (normal behaviour), the episode running at this row (if any) applied,
   * clamped to what a host can report, and the frequency its governor would show.
   *
   * @return the episode applied, or null
   */
  static AnomalyEpisode nextSample(
      HostBaseline baseline,
      AnomalySchedule schedule,
      List<DailyJob> jobs,
      double hourOfDay,
      boolean weekend,
      MetricsSample sample) {
    baseline.next(hourOfDay, weekend, sample);
    for (DailyJob job : jobs) {
      if (job.runsAt(hourOfDay)) {
        job.applyTo(sample);
      }
    }
    AnomalyEpisode episode = schedule.episodeForNextRow();
    if (episode != null) {
      episode.applyTo(sample);
    }
    sample.clampToPhysicalRanges();
    sample.cpuFrequencyMhz =
        HostBaseline.governedFrequencyMhz(
            sample.cpuPercent, sample.governorJitter, sample.thermallyThrottled);
    return episode;
  }

  private static void appendMetricsLine(
      StringBuilder line, SampleClock clock, MetricsSample sample) {
    clock.appendTimestamp(line);
    appendHundredths(line.append(','), hundredths(sample.cpuPercent));
    appendHundredths(line.append(','), hundredths(sample.cpuFrequencyMhz));
    // Available memory is computed from the percentage as printed, so the two columns agree to the
    // cent.
    long memoryHundredths = hundredths(sample.memoryPercent);
    appendHundredths(line.append(','), memoryHundredths);
    appendHundredths(
        line.append(','), Math.round(TOTAL_MEMORY_GB * (10_000 - memoryHundredths) / 100.0));
    appendHundredths(line.append(','), hundredths(sample.diskReadMb));
    appendHundredths(line.append(','), hundredths(sample.diskWriteMb));
    appendHundredths(line.append(','), hundredths(sample.networkSentMb));
    appendHundredths(line.append(','), hundredths(sample.networkRecvMb));
    line.append('\n');
  }

  private static long hundredths(double value) {
    return Math.round(value * 100);
  }

  /** Fixed two decimals without any locale: a decimal comma would break the CSV. */
  private static void appendHundredths(StringBuilder out, long hundredths) {
    if (hundredths < 0) {
      out.append('-');
      hundredths = -hundredths;
    }
    long fraction = hundredths % 100;
    out.append(hundredths / 100).append('.');
    if (fraction < 10) {
      out.append('0');
    }
    out.append(fraction);
  }
}
