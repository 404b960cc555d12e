package dev.mad.generate;

import static dev.mad.generate.MetricsSample.clamp;

/**
 * One labelled anomaly: its type, its length, and how it bends the normal metrics of each of its rows.
 * Levels are drawn once per episode so that its rows read as one event rather than unrelated outliers.
 */
final class AnomalyEpisode {

  private static final double SPIKE_MIN_CPU_PERCENT = 85;
  private static final double DISK_BURST_MIN_MB = 50;
  private static final double NETWORK_FLOOD_MIN_MB = 40;
  private static final double CONTENTION_MIN_NETWORK_MB = 30;

  /** Above this, a leaking host starts swapping, which shows as disk writes and kernel CPU time. */
  private static final double SWAP_THRESHOLD_PERCENT = 85;

  private final AnomalyType type;
  private final int lengthRows;
  private final SeededNoise noise;
  private int rowsDone;

  private double cpuPeakPercent;
  private double memoryFromPercent;
  private double memoryToPercent;
  private double diskReadMb;
  private double diskWriteMb;
  private double networkSentMb;
  private double networkRecvMb;

  private AnomalyEpisode(AnomalyType type, SeededNoise noise) {
    this.type = type;
    this.noise = noise;
    this.lengthRows = noise.intBetween(type.minRows(), type.maxRows());
  }

  static AnomalyEpisode begin(AnomalyType type, SeededNoise noise) {
    AnomalyEpisode episode = new AnomalyEpisode(type, noise);
    switch (type) {
      case CPU_SPIKE -> episode.cpuPeakPercent = noise.uniform(88, 99);
      case MEMORY_LEAK -> {
        episode.memoryFromPercent = noise.uniform(64, 70);
        episode.memoryToPercent = noise.uniform(90, 97);
      }
      case DISK_BURST -> {
        switch (noise.intBetween(0, 2)) {
          case 0 -> episode.diskReadMb = noise.uniform(60, 300);
          case 1 -> episode.diskWriteMb = noise.uniform(60, 300);
          default -> {
            episode.diskReadMb = noise.uniform(50, 200);
            episode.diskWriteMb = noise.uniform(50, 200);
          }
        }
      }
      case NETWORK_FLOOD -> {
        switch (noise.intBetween(0, 2)) {
          case 0 -> episode.networkSentMb = noise.uniform(60, 300);
          case 1 -> episode.networkRecvMb = noise.uniform(60, 300);
          default -> {
            episode.networkSentMb = noise.uniform(40, 150);
            episode.networkRecvMb = noise.uniform(40, 150);
          }
        }
      }
      case RESOURCE_CONTENTION -> {
        episode.cpuPeakPercent = noise.uniform(88, 99);
        episode.memoryFromPercent = noise.uniform(82, 94);
        episode.diskReadMb = noise.uniform(50, 200);
        episode.diskWriteMb = noise.uniform(50, 200);
        episode.networkSentMb = noise.uniform(30, 150);
        episode.networkRecvMb = noise.uniform(30, 150);
      }
    }
    return episode;
  }

  AnomalyType type() {
    return type;
  }

  boolean finished() {
    return rowsDone >= lengthRows;
  }

  void applyTo(MetricsSample sample) {
    switch (type) {
      case CPU_SPIKE -> sample.cpuPercent = spikeCpu();
      case MEMORY_LEAK -> leakMemory(sample);
      case DISK_BURST -> {
        sample.diskReadMb = burst(diskReadMb, DISK_BURST_MIN_MB, sample.diskReadMb);
        sample.diskWriteMb = burst(diskWriteMb, DISK_BURST_MIN_MB, sample.diskWriteMb);
        sample.cpuPercent += noise.uniform(3, 12);
      }
      case NETWORK_FLOOD -> {
        sample.networkSentMb = burst(networkSentMb, NETWORK_FLOOD_MIN_MB, sample.networkSentMb);
        sample.networkRecvMb = burst(networkRecvMb, NETWORK_FLOOD_MIN_MB, sample.networkRecvMb);
        // Packet processing costs CPU (softirq time).
        sample.cpuPercent += noise.uniform(8, 20);
      }
      case RESOURCE_CONTENTION -> {
        sample.cpuPercent = spikeCpu();
        sample.memoryPercent = clamp(memoryFromPercent + noise.gaussian(), 80, 97);
        sample.diskReadMb = burst(diskReadMb, DISK_BURST_MIN_MB, sample.diskReadMb);
        sample.diskWriteMb = burst(diskWriteMb, DISK_BURST_MIN_MB, sample.diskWriteMb);
        sample.networkSentMb =
            burst(networkSentMb, CONTENTION_MIN_NETWORK_MB, sample.networkSentMb);
        sample.networkRecvMb =
            burst(networkRecvMb, CONTENTION_MIN_NETWORK_MB, sample.networkRecvMb);
        // A saturated box runs hot: the clock drops even though load is at its peak.
        sample.thermallyThrottled = true;
      }
    }
    rowsDone++;
  }

  private double spikeCpu() {
    return clamp(cpuPeakPercent + 2.5 * noise.gaussian(), SPIKE_MIN_CPU_PERCENT, 100);
  }

  private void leakMemory(MetricsSample sample) {
    double progress = (rowsDone + 1) / (double) lengthRows;
    double memory =
        memoryFromPercent
            + (memoryToPercent - memoryFromPercent) * progress
            + 0.3 * noise.gaussian();
    sample.memoryPercent = memory;
    double swapping = Math.max(0, memory - SWAP_THRESHOLD_PERCENT);
    sample.diskWriteMb += swapping * noise.uniform(2, 5);
    sample.cpuPercent += swapping * noise.uniform(0.5, 1.5);
  }

  /** A level of zero means this episode leaves that metric alone. */
  private double burst(double level, double floor, double normalValue) {
    if (level == 0) {
      return normalValue;
    }
    return Math.max(floor, level * noise.uniform(0.8, 1.15));
  }
}
