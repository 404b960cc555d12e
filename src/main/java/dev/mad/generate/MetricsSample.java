package dev.mad.generate;

/** One row's metric values while it is being built; reused from row to row so memory stays flat. */
final class MetricsSample {
  double cpuPercent;
  double cpuFrequencyMhz;
  double memoryPercent;
  double diskReadMb;
  double diskWriteMb;
  double networkSentMb;
  double networkRecvMb;

  /** Drawn with the baseline so the governor's choice does not depend on whether an anomaly is active. */
  double governorJitter;

  boolean thermallyThrottled;

  void clampToPhysicalRanges() {
    cpuPercent = clamp(cpuPercent, 0, 100);
    memoryPercent = clamp(memoryPercent, 0, 100);
    diskReadMb = Math.max(0, diskReadMb);
    diskWriteMb = Math.max(0, diskWriteMb);
    networkSentMb = Math.max(0, networkSentMb);
    networkRecvMb = Math.max(0, networkRecvMb);
  }

  static double clamp(double value, double min, double max) {
    return Math.max(min, Math.min(max, value));
  }
}
