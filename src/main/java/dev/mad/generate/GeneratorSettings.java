package dev.mad.generate;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;

/**
 * What a generated data set depends on. The start time is fixed rather than "now" so that the same
 * settings always give byte-identical output.
 */
public record GeneratorSettings(
    long seed,
    double anomalyRate,
    Duration interval,
    LocalDateTime start,
    List<DailyJob> dailyJobs) {

  public static final long DEFAULT_SEED = 42;
  public static final double DEFAULT_ANOMALY_RATE = 0.05;
  public static final double MAX_ANOMALY_RATE = 0.5;
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

  /** A Monday, so a generated week starts with working days. */
  public static final LocalDateTime DEFAULT_START = LocalDateTime.of(2025, 1, 6, 0, 0);

  public GeneratorSettings {
    if (!(anomalyRate >= 0 && anomalyRate <= MAX_ANOMALY_RATE)) {
      throw new IllegalArgumentException(
          "anomaly rate must be between 0 and " + MAX_ANOMALY_RATE + ", got " + anomalyRate);
    }
    if (interval == null || interval.toNanos() < 1_000) {
      throw new IllegalArgumentException(
          "interval must be at least one microsecond, got " + interval);
    }
    if (start == null || start.getYear() < 1 || start.getYear() > 9999) {
      throw new IllegalArgumentException(
          "start time must fall in the years 1 to 9999, got " + start);
    }
    dailyJobs = List.copyOf(dailyJobs);
  }

  /** The same settings with these jobs running every day. */
  public GeneratorSettings withDailyJobs(List<DailyJob> jobs) {
    return new GeneratorSettings(seed, anomalyRate, interval, start, jobs);
  }

  public static GeneratorSettings of(long seed, double anomalyRate, Duration interval) {
    return new GeneratorSettings(seed, anomalyRate, interval, DEFAULT_START, List.of());
  }

  public static GeneratorSettings withSeed(long seed) {
    return of(seed, DEFAULT_ANOMALY_RATE, DEFAULT_INTERVAL);
  }

  long intervalMicros() {
    return interval.toNanos() / 1_000;
  }
}
