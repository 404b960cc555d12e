package dev.mad.generate;

import java.time.LocalDateTime;
import java.util.List;

/**
 * One synthetic host sampled live, for the fleet simulator: the data generator's daily baseline
 * (at the wall clock's hour of day) with, when {@code anomalyRate} is above zero, its anomaly
 * episodes injected. Values come in the product's metric order ({@code MetricSample.METRICS}).
 * Deterministic per seed, given the same call times. Not thread-safe.
 */
public final class LiveHost {
  private final HostBaseline baseline;
  private final AnomalySchedule schedule;
  private final MetricsSample sample = new MetricsSample();
  private long anomalousSamples;

  public LiveHost(long seed, double anomalyRate, double intervalSeconds) {
    if (!(anomalyRate >= 0 && anomalyRate <= GeneratorSettings.MAX_ANOMALY_RATE)) {
      throw new IllegalArgumentException("anomaly rate must be between 0 and 0.5");
    }
    SeededNoise root = new SeededNoise(seed);
    baseline = new HostBaseline(root.split(), intervalSeconds);
    schedule = new AnomalySchedule(root.split(), anomalyRate);
  }

  /** The next sample, taken at {@code now}. */
  public double[] next(LocalDateTime now) {
    double hour = now.getHour() + now.getMinute() / 60.0 + now.getSecond() / 3600.0;
    boolean weekend = now.getDayOfWeek().getValue() >= 6;
    if (MetricsGenerator.nextSample(baseline, schedule, List.of(), hour, weekend, sample) != null) {
      anomalousSamples++;
    }
    double memoryPercent = sample.memoryPercent;
    return new double[] {
      sample.cpuPercent,
      sample.cpuFrequencyMhz,
      memoryPercent,
      MetricsGenerator.TOTAL_MEMORY_GB * (100 - memoryPercent) / 100.0,
      sample.diskReadMb,
      sample.diskWriteMb,
      sample.networkSentMb,
      sample.networkRecvMb
    };
  }

  /** Samples so far that carried an injected anomaly. */
  public long anomalousSamples() {
    return anomalousSamples;
  }
}
